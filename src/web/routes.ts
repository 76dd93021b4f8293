import { Elysia } from "elysia";
import { badRequest, notFound } from "../errors.ts";
import type { AuthPlugin } from "../server/auth.ts";
import { json } from "../server/errors.ts";
import type { OpenServices } from "../services.ts";
import { VERSION } from "../version.ts";
import { ASSETS } from "./assets.ts";
import { pageHeaders, pageResponse } from "./page.ts";
import type { WebSessions } from "./session.ts";

/** Inside the compiled binary, modules live under /$bunfs/ (see notes on --compile). */
const COMPILED = import.meta.dir.startsWith("/$bunfs");

/**
 * The web console: its page at `/`, its embedded files under /console/assets/, and its
 * session (POST to sign in with a bearer token, GET for who is signed in and the CSRF
 * token, DELETE to sign out). Everything the console shows or changes goes through the
 * ordinary routes (/tools/…, /files/…, /tokens), authenticated by the session cookie.
 */
export function consoleRoutes(services: OpenServices, auth: AuthPlugin, sessions: WebSessions) {
  return new Elysia({ name: "quiver/console" })
    .use(auth)
    .get("/", () =>
      pageResponse({
        title: "quiver",
        main: '<p class="muted" id="boot">Loading the console…</p>',
        scripts: ["/console/assets/app.js"],
      }),
    )
    .get("/console/assets/:name", ({ params }) => {
      const asset = ASSETS.get(params.name);
      if (!asset) throw notFound("not_found", `no console asset named "${params.name}"`);
      return new Response(asset.body, { headers: pageHeaders(asset.type) });
    })
    .post(
      "/console/session",
      async ({ request, caller }) => {
        // The token itself, once: a session cannot make another session.
        if (!request.headers.get("authorization"))
          throw badRequest(
            "invalid_request",
            "sign in with your token in the Authorization header: Authorization: Bearer <token>",
          );
        const opened = await sessions.open(caller, request);
        return json(
          201,
          {
            caller: { name: caller.name, scope: caller.scope },
            csrf: opened.csrf,
            expires_at: new Date(opened.expiresAt).toISOString(),
          },
          { "set-cookie": opened.cookie },
        );
      },
      { auth: "read", parse: "none" },
    )
    .get(
      "/console/session",
      async ({ request, caller }) => {
        const session = await sessions.current(request);
        return {
          caller: { name: caller.name, scope: caller.scope },
          ...(session
            ? { csrf: session.csrf, expires_at: new Date(session.expiresAt).toISOString() }
            : {}),
          server: {
            version: VERSION,
            // What the Connect page's local (stdio) snippets need; only an admin sees paths.
            ...(caller.scope === "admin"
              ? {
                  data_dir: services.config.dataDir,
                  command: COMPILED ? process.execPath : undefined,
                }
              : {}),
          },
        };
      },
      { auth: "read" },
    )
    .delete(
      "/console/session",
      async ({ request }) =>
        json(200, { signed_out: true }, { "set-cookie": await sessions.close(request) }),
      { auth: "read", parse: "none" },
    );
}
