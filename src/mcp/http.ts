import { QuiverError } from "../errors.ts";
import { authenticate } from "../server/auth.ts";
import { readJsonBody } from "../server/body.ts";
import { requestInfo } from "../server/request-info.ts";
import type { OpenServices } from "../services.ts";
import type { Caller } from "../store/tokens.ts";
import { requireScope } from "../store/tokens.ts";
import { preflight } from "./cors.ts";
import { classifyHttp } from "./era.ts";
import {
  errorResponse,
  isObject,
  isRequestId,
  type JsonRpcRequest,
  PARSE_ERROR,
  RpcError,
} from "./jsonrpc.ts";
import { checkOriginAndHost, type OriginPolicy } from "./origin.ts";
import { dispatch, type McpDeps, parseMessage, toolOf } from "./protocol.ts";
import { registryToolSet, type ToolSet } from "./tools-list.ts";

/**
 * Streamable HTTP at /mcp, without sessions: every POST carries one JSON-RPC message
 * and is authenticated, classified and answered on its own, so any replica can answer
 * any request and no `Mcp-Session-Id` is ever minted. GET (a standalone SSE stream)
 * and DELETE (ending a session) have nothing to serve: 405.
 * Order: Origin/Host, CORS preflight, token, method, body, era/headers, tool scope,
 * dispatch.
 */
const JSON_HEADERS = { "content-type": "application/json" };

export function mcpPolicy(services: OpenServices): OriginPolicy {
  return { host: services.config.host, allowedOrigins: services.config.allowedOrigins };
}

export function mcpHttpHandler(services: OpenServices, toolSet: ToolSet = registryToolSet()) {
  const { config, tokens } = services;
  const deps: McpDeps = { services, toolSet };
  const policy = mcpPolicy(services);

  return async (request: Request): Promise<Response> => {
    checkOriginAndHost(request.headers, policy);
    if (request.method === "OPTIONS") return preflight();
    const caller = authenticate(request, tokens, "read", {
      params: `resource_metadata="${resourceMetadataUrl(request)}"`,
    });
    requestInfo(request).token = caller.name;
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
        return rpcError(null, new RpcError(PARSE_ERROR, err.message, undefined, 400));
      throw err;
    }
    let message: JsonRpcRequest & { id: string | number };
    let era: ReturnType<typeof classifyHttp>;
    try {
      const parsed = parseMessage(body);
      if (parsed.kind !== "request") return new Response(null, { status: 202 });
      message = parsed.message;
      era = classifyHttp(message, request.headers);
    } catch (err) {
      if (err instanceof RpcError)
        return rpcError(isObject(body) && isRequestId(body.id) ? body.id : null, err);
      throw err;
    }
    const tool = toolOf(message, toolSet);
    if (tool) {
      requestInfo(request).tool = tool.name;
      requireScope(caller, tool.scope); // 403 insufficient_scope with its challenge
    }
    if (tool && wantsStream(request, message))
      return streamed(message, era, deps, caller, request.signal);
    try {
      const response = await dispatch(message, era, deps, { caller, signal: request.signal });
      return new Response(JSON.stringify(response), { headers: JSON_HEADERS });
    } catch (err) {
      if (err instanceof RpcError) return rpcError(message.id, err);
      throw err;
    }
  };
}

function rpcError(id: string | number | null | undefined, err: RpcError): Response {
  return new Response(JSON.stringify(errorResponse(id, err)), {
    status: err.httpStatus,
    headers: JSON_HEADERS,
  });
}

/** SSE only when it buys something: the client asked for progress and accepts a stream. */
function wantsStream(request: Request, message: JsonRpcRequest): boolean {
  const meta = message.params?._meta;
  if (!isObject(meta) || meta.progressToken === undefined) return false;
  return (request.headers.get("accept") ?? "").includes("text/event-stream");
}

function streamed(
  message: JsonRpcRequest & { id: string | number },
  era: ReturnType<typeof classifyHttp>,
  deps: McpDeps,
  caller: Caller,
  signal: AbortSignal,
): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      let open = true;
      const send = (m: unknown) => {
        if (open)
          controller.enqueue(encoder.encode(`event: message\ndata: ${JSON.stringify(m)}\n\n`));
      };
      try {
        send(await dispatch(message, era, deps, { caller, signal, notify: send }));
      } catch (err) {
        send(
          errorResponse(
            message.id,
            err instanceof RpcError ? err : new RpcError(-32603, "internal error"),
          ),
        );
      }
      open = false;
      controller.close();
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}

/** RFC 9728 metadata URL for /mcp (path-suffixed form), named in every 401 challenge. */
export function resourceMetadataUrl(request: Request): string {
  // String slicing, not new URL(): this runs on every request (hot path).
  const url = request.url;
  const pathStart = url.indexOf("/", url.indexOf("//") + 2);
  return `${pathStart === -1 ? url : url.slice(0, pathStart)}/.well-known/oauth-protected-resource/mcp`;
}
