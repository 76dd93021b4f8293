import { AuthError } from "../errors.ts";
import type { Services } from "../tools/define.ts";
import { classifyHttp, type HeaderLookup } from "./era.ts";
import {
  errorResponse,
  isObject,
  isRequestId,
  type JsonRpcResponse,
  PARSE_ERROR,
  RpcError,
} from "./jsonrpc.ts";
import { dispatch, type McpCall, parseMessage, rpcFailure } from "./protocol.ts";

/**
 * Over HTTP a subscription ends after an hour (the client opens another): a token revoked
 * meanwhile stops hearing changes within that bound.
 */
export const HTTP_LISTEN_MAX_MS = 60 * 60 * 1000;

/** The HTTP status to answer with, and the JSON-RPC message (none for a 202). */
export interface HttpAnswer {
  status: number;
  message?: JsonRpcResponse;
}

/**
 * The protocol's own rules for Streamable HTTP, without sessions: every POST carries one
 * JSON-RPC message, answered on its own, so any replica can answer any request and no
 * `Mcp-Session-Id` is ever minted. Given the parsed body, the request headers and the
 * caller (src/server/ has checked Origin and Host, authenticated the caller and read the
 * body), it says which HTTP status and JSON-RPC message to answer with. Errors found
 * before dispatch (shape, era, headers) are 400s; a notification or a posted response is
 * 202 with no body. An authorization failure of a tool call is thrown (an AuthError), for
 * the HTTP layer to answer with its 403 challenge.
 */
export async function answerHttp(
  body: unknown,
  headers: HeaderLookup,
  call: McpCall,
  services: Services,
): Promise<HttpAnswer> {
  let parsed: ReturnType<typeof parseMessage>;
  let era: ReturnType<typeof classifyHttp>;
  try {
    parsed = parseMessage(body);
    if (parsed.kind !== "request") return { status: 202 };
    era = classifyHttp(parsed.message, headers);
  } catch (err) {
    const id = isObject(body) && isRequestId(body.id) ? body.id : null;
    if (err instanceof RpcError) return { status: err.httpStatus, message: errorResponse(id, err) };
    throw err;
  }
  const { message } = parsed;
  // Over HTTP a 403 is answered by the transport, and subscriptions end within the hour;
  // a call that says so already is used as it is (no copy per request).
  const httpCall =
    call.rethrowAuth && call.listenMaxMs !== undefined
      ? call
      : { listenMaxMs: HTTP_LISTEN_MAX_MS, ...call, rethrowAuth: true };
  try {
    return { status: 200, message: await dispatch(message, era, httpCall, services) };
  } catch (err) {
    if (err instanceof RpcError)
      return { status: err.httpStatus, message: errorResponse(message.id, err) };
    if (err instanceof AuthError) throw err;
    return { status: 200, message: rpcFailure(message.id, err) };
  }
}

/** A body that is not JSON at all: a JSON-RPC parse error, 400. */
export function parseErrorAnswer(detail: string): HttpAnswer {
  return {
    status: 400,
    message: errorResponse(null, new RpcError(PARSE_ERROR, detail, undefined, 400)),
  };
}

/** Whether a message opens a subscription: its answer is a long-lived stream. */
export function isListen(body: unknown): boolean {
  return isObject(body) && body.method === "subscriptions/listen" && "id" in body;
}

/** Whether a message asks to hear progress (a `progressToken`): only then may the answer stream. */
export function asksForProgress(body: unknown): boolean {
  const params = isObject(body) ? body.params : undefined;
  const meta = isObject(params) ? params._meta : undefined;
  return isObject(meta) && meta.progressToken !== undefined;
}
