import api from "./client/api.js" with { type: "text" };
import app from "./client/app.js" with { type: "text" };
import connect from "./client/connect.js" with { type: "text" };
import dom from "./client/dom.js" with { type: "text" };
import fileView from "./client/file-view.js" with { type: "text" };
import files from "./client/files.js" with { type: "text" };
import grants from "./client/grants.js" with { type: "text" };
import jobs from "./client/jobs.js" with { type: "text" };
import search from "./client/search.js" with { type: "text" };
import tokens from "./client/tokens.js" with { type: "text" };
import upload from "./client/upload.js" with { type: "text" };
import { STYLESHEET } from "./page.ts";

/**
 * The console's files, embedded in the binary as text (Bun bundles each import's bytes),
 * served under /console/assets/. The client is plain JavaScript modules that the browser
 * loads as they are: no build step, so `bun src/main.ts` and the compiled binary serve the
 * same bytes, and nothing comes from anywhere but this server.
 */
const JS = "text/javascript; charset=utf-8";
export const ASSETS: ReadonlyMap<string, { body: string; type: string }> = new Map([
  ["console.css", { body: STYLESHEET, type: "text/css; charset=utf-8" }],
  ["app.js", { body: app, type: JS }],
  ["api.js", { body: api, type: JS }],
  ["dom.js", { body: dom, type: JS }],
  ["files.js", { body: files, type: JS }],
  ["file-view.js", { body: fileView, type: JS }],
  ["upload.js", { body: upload, type: JS }],
  ["search.js", { body: search, type: JS }],
  ["jobs.js", { body: jobs, type: JS }],
  ["tokens.js", { body: tokens, type: JS }],
  ["grants.js", { body: grants, type: JS }],
  ["connect.js", { body: connect, type: JS }],
]);
