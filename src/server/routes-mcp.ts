import { Elysia } from "elysia";
import { QuiverError } from "../errors.ts";
import {
  answerHttp,
  asksForProgress,
  HTTP_LISTEN_MAX_MS,
  isListen,
  parseErrorAnswer,
} from "../mcp/http.ts";
import type { McpCall } from "../mcp/protocol.ts";
import type { OpenServices } from "../services.ts";
import type { AuthPlugin } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { guardOrigin, preflight } from "./cors.ts";
import { answerMaybeStreamed, jsonAnswer } from "./mcp-stream.ts";
import { originPolicy } from "./origin.ts";
import { requestInfo } from "./request-info.ts";
import { commonHeaders } from "./response-headers.ts";

/**
 * MCP Streamable HTTP at /mcp. What is HTTP's happens here, before the protocol
 * (src/mcp/) sees the message, in this order: Origin/Host (DNS rebinding), CORS preflight,
 * the token (the auth plugin; 401 challenges name the RFC 9728 metadata), method, body;
 * then the protocol answers, and the answer is framed as JSON or SSE.
 */
export function mcpRoutes(services: OpenServices, auth: AuthPlugin) {
  const { config } = services;
  const policy = originPolicy({
    host: config.host,
    allowedOrigins: config.allowedOrigins,
    ...(config.publicUrl ? { publicHost: new URL(config.publicUrl).host } : {}),
  });
  const challengeParams = config.publicUrl
    ? () => `resource_metadata="${config.publicUrl}/.well-known/oauth-protected-resource/mcp"`
    : resourceMetadataParam;

  return new Elysia({ name: "quiver/mcp" })
    .use(auth)
    .onBeforeHandle(function originAndPreflight({ request, set }) {
      // Written so that no call is returned directly: Elysia reads a hook's source text and
      // treats one returning a call as a promise, which cost every /mcp request a trip
      // through the microtask queue for this synchronous check.
      guardOrigin(request.headers, policy, set.headers);
      let early: Response | undefined;
      if (request.method === "OPTIONS") early = preflight();
      else requestInfo(request).challengeParams = challengeParams;
      return early;
    })
    .all(
      "/mcp",
      async ({ request, caller }) => {
        if (request.method !== "POST")
          throw new QuiverError(
            405,
            "method_not_allowed",
            "this MCP endpoint is sessionless: POST one JSON-RPC message per request",
            { allow: "POST" },
          );
        let body: unknown;
        try {
          body = await readJsonBody(request, config.maxBodyBytes);
        } catch (err) {
          if (err instanceof QuiverError && err.code === "invalid_json")
            return jsonAnswer(parseErrorAnswer(err.message));
          throw err;
        }
        const info = requestInfo(request);
        const call: McpCall = {
          caller,
          // Read only when a tool reads its own signal (see routes-tools.ts).
          signal: () => request.signal,
          rethrowAuth: true,
          listenMaxMs: HTTP_LISTEN_MAX_MS,
          onTool: (name) => {
            info.tool = name;
          },
        };
        // An SSE stream is possible only when the client accepts one and asked to hear
        // progress, or opened a subscription (which lasts until either side ends it).
        const listening = isListen(body);
        if (
          !(listening || asksForProgress(body)) ||
          !(request.headers.get("accept") ?? "").includes("text/event-stream")
        )
          return jsonAnswer(
            await answerHttp(body, request.headers, call, services),
            commonHeaders(request),
          );
        return answerMaybeStreamed(
          (notify, closed) =>
            answerHttp(
              body,
              request.headers,
              {
                ...call,
                notify,
                signal: listening ? AbortSignal.any([request.signal, closed]) : call.signal,
              },
              services,
            ),
          listening ? { keepAliveMs: LISTEN_KEEP_ALIVE_MS } : {},
          () => commonHeaders(request),
        );
      },
      { auth: "read", parse: "none" },
    );
}

/** Well inside Bun's idle timeout (30 s or more), so a quiet subscription stays connected. */
const LISTEN_KEEP_ALIVE_MS = 15_000;

const resourceMetadataParam = (request: Request) =>
  `resource_metadata="${resourceMetadataUrl(request)}"`;

/** RFC 9728 metadata URL for /mcp (path-suffixed form), named in every 401 challenge. */
export function resourceMetadataUrl(request: Request): string {
  // String slicing, not new URL(): this runs on every request (hot path).
  const url = request.url;
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  return `${pathStart === -1 ? url : url.slice(0, pathStart)}/.well-known/oauth-protected-resource/mcp`;
}
