// The "same work" handler: a bare fetch handler doing exactly the work quiver does for
// POST /tools/call, with quiver's own plain functions and nothing else — bearer check from
// the header (digest lookup, rate limits, scope), the Content-Type and size checks and JSON
// parse of the body, the tool pipeline (lookup, scope, parameters validated against the
// schema, the tool run with its signal and timeout, the result checked), and the same
// response: same JSON, same headers (request id, nosniff, no-store), same error shape.
// What it leaves out is exactly what the ratio against it measures: Elysia, its auth
// plugin and @elysiajs/bearer, and quiver's HTTP layer. Served by bench/peers/
// raw-bun-server.ts (over HTTP) and called directly by bench/request-cpu.ts (in-process).
import { createAuthenticator } from "../../src/server/auth.ts";
import { readJsonBody } from "../../src/server/body.ts";
import { errorResponse } from "../../src/server/errors.ts";
import { requestInfo, startRequest } from "../../src/server/request-info.ts";
import { presetHeaders, stampHeaders } from "../../src/server/response-headers.ts";
import type { OpenServices } from "../../src/services.ts";
import { callTool } from "../../src/tools/pipeline.ts";

/** The path of a request URL, without its query. */
export const pathOf = (url: string) => {
  const q = url.indexOf("?", 8);
  return url.slice(url.indexOf("/", 8), q === -1 ? undefined : q);
};

export function sameWorkHandler(services: OpenServices): (req: Request) => Promise<Response> {
  const { config } = services;
  const authenticate = createAuthenticator(services.tokens, config);
  return async (req) => {
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
      const headers: Record<string, string> = {
        "content-type": "application/json;charset=utf-8",
      };
      presetHeaders(req, headers);
      return new Response(JSON.stringify(result), { headers });
    } catch (err) {
      const response = errorResponse(req, err);
      stampHeaders(req, response);
      return response;
    }
  };
}
