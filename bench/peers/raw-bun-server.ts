// The limit: a bare Bun.serve fetch handler answering quiver's POST /tools/call.
// Usage: bun bench/peers/raw-bun-server.ts <port> <data-dir> [same|bare]   (token: QUIVER_TOKEN)
//
// `same` (default) does exactly the work quiver does for the call, with quiver's own plain
// functions and nothing else: bearer check from the header (digest lookup, rate limits,
// scope), the Content-Type and size checks and JSON parse of the body, the tool pipeline
// (lookup, scope, parameters validated against the schema, the tool run with its signal
// and timeout, the result checked), and the same response — same JSON, same headers
// (request id, nosniff, no-store), same error shape. What it leaves out is exactly what
// the ratio measures: Elysia, its auth plugin and @elysiajs/bearer, and quiver's HTTP layer.
//
// `bare` skips the work a production server must do (no validation, no content-type or
// size check, no response headers); it is listed so the cost of that work is visible too.
import { loadConfig } from "../../src/config.ts";
import { createAuthenticator } from "../../src/server/auth.ts";
import { readJsonBody } from "../../src/server/body.ts";
import { errorResponse } from "../../src/server/errors.ts";
import { requestInfo, startRequest } from "../../src/server/request-info.ts";
import { presetHeaders, stampHeaders } from "../../src/server/response-headers.ts";
import { openSqliteServices } from "../../src/services.ts";
import { callTool } from "../../src/tools/pipeline.ts";

const [port, dataDir, mode = "same"] = process.argv.slice(2);
const services = openSqliteServices(
  loadConfig(
    { data: dataDir!, quiet: true, "rate-limit": "0" },
    { QUIVER_TOKEN: process.env.QUIVER_TOKEN },
  ),
);
const { files, tokens, config } = services;
const authenticate = createAuthenticator(tokens, config);
if (files.list("", 1).files.length === 0)
  await files.put("a.txt", [new TextEncoder().encode("hello, bench\n")]);

const pathOf = (url: string) => {
  const q = url.indexOf("?", 8);
  return url.slice(url.indexOf("/", 8), q === -1 ? undefined : q);
};

async function same(req: Request): Promise<Response> {
  startRequest(req);
  try {
    if (pathOf(req.url) === "/healthz") return Response.json({ status: "ok" });
    if (req.method !== "POST" || pathOf(req.url) !== "/tools/call")
      return errorResponse(req, undefined, "NOT_FOUND");
    const caller = await authenticate(req, undefined, "read");
    const body = (await readJsonBody(req, config.maxBodyBytes)) as
      | { name?: unknown; parameters?: unknown }
      | undefined;
    if (!body || typeof body !== "object" || Array.isArray(body) || typeof body.name !== "string")
      return errorResponse(req, undefined, "VALIDATION");
    const result = await callTool(services, {
      name: body.name,
      params: body.parameters,
      caller,
      clientSignal: () => req.signal,
      onTool: (tool) => {
        requestInfo(req).tool = tool.name;
      },
    });
    const headers: Record<string, string> = { "content-type": "application/json;charset=utf-8" };
    presetHeaders(req, headers);
    return new Response(JSON.stringify(result), { headers });
  } catch (err) {
    const response = errorResponse(req, err);
    stampHeaders(req, response);
    return response;
  }
}

const json = (body: unknown, status = 200) => Response.json(body, { status });
const fail = (status: number, code: string) => json({ error: { code, message: code } }, status);

async function bare(req: Request): Promise<Response> {
  const path = pathOf(req.url);
  if (path === "/healthz") return json({ status: "ok" });
  if (req.method !== "POST" || path !== "/tools/call") return fail(404, "not_found");
  const header = req.headers.get("authorization") ?? "";
  const caller = header.startsWith("Bearer ") ? tokens.verify(header.slice(7)) : undefined;
  if (!caller) return fail(401, "unauthorized");
  let body: { name?: unknown; parameters?: { limit?: unknown } };
  try {
    body = (await req.json()) as typeof body;
  } catch {
    return fail(400, "invalid_json");
  }
  if (body?.name !== "list_files") return fail(404, "unknown_tool");
  const limit = typeof body.parameters?.limit === "number" ? body.parameters.limit : 100;
  const page = files.list("", limit);
  return json({
    files: page.files.map(({ path, size, sha256, content_type, is_text, updated_at }) => ({
      path,
      size,
      sha256,
      content_type,
      is_text,
      updated_at,
    })),
    ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}),
  });
}

Bun.serve({
  port: Number(port),
  hostname: "127.0.0.1",
  maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  fetch: mode === "bare" ? bare : same,
});
