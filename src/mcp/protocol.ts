import type { Caller } from "../store/tokens.ts";
import { callTool } from "../tools/call.ts";
import type { AnyTool, Services, ToolContext } from "../tools/define.ts";
import { VERSION } from "../version.ts";
import { classifyEra, type Era } from "./era.ts";
import { ID_RULE } from "./ids.ts";
import {
  errorResponse,
  INTERNAL_ERROR,
  INVALID_PARAMS,
  INVALID_REQUEST,
  isObject,
  isRequestId,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  METHOD_NOT_FOUND,
  RpcError,
  resultResponse,
} from "./jsonrpc.ts";
import { failureResult, successResult } from "./tool-result.ts";
import { LIST_TTL_MS, pageFor, registryToolSet, type ToolSet } from "./tools-list.ts";
import { META, negotiateLegacy, SUPPORTED_VERSIONS } from "./versions.ts";

/**
 * MCP as a pure function: one JSON-RPC message in, at most one response out, over a
 * tool set (the registry unless a test passes its own). No transport objects, no
 * sessions: every request stands alone, so any replica can answer it and stdio and
 * HTTP share every rule. The transports add only what is theirs (headers, framing).
 */
export const SERVER_INFO = { name: "quiver", title: "quiver", version: VERSION };
const CAPABILITIES = { tools: { listChanged: false } };

export interface McpDeps {
  services: Services;
  /** Defaults to the tool registry. */
  toolSet?: ToolSet;
}

export interface McpCall {
  caller: Caller;
  /** Aborted when the client goes away or cancels. */
  signal?: AbortSignal;
  /** Sends a notification to the client, when the transport can (progress). */
  notify?: (notification: JsonRpcNotification) => void;
}

export type Parsed =
  | { kind: "request"; message: JsonRpcRequest & { id: string | number } }
  | { kind: "notification"; message: JsonRpcRequest }
  | { kind: "response" };

/** Checks the JSON-RPC shape; a batch or a malformed message is an invalid request. */
export function parseMessage(body: unknown): Parsed {
  if (Array.isArray(body))
    throw new RpcError(
      INVALID_REQUEST,
      "JSON-RPC batches are not supported: send one message per request",
      undefined,
      400,
    );
  if (!isObject(body) || body.jsonrpc !== "2.0")
    throw new RpcError(
      INVALID_REQUEST,
      'not a JSON-RPC 2.0 message: expected {"jsonrpc": "2.0", "method": …}',
      undefined,
      400,
    );
  if (typeof body.method !== "string") {
    if ("result" in body || "error" in body) return { kind: "response" };
    throw new RpcError(INVALID_REQUEST, "a JSON-RPC request needs a string method", undefined, 400);
  }
  if (body.params !== undefined && !isObject(body.params))
    throw new RpcError(INVALID_REQUEST, "params must be an object", undefined, 400);
  if (!("id" in body)) return { kind: "notification", message: body as unknown as JsonRpcRequest };
  if (!isRequestId(body.id)) throw new RpcError(INVALID_REQUEST, ID_RULE, undefined, 400);
  return { kind: "request", message: body as unknown as JsonRpcRequest & { id: string | number } };
}

/** The tool a `tools/call` names, or undefined for other methods (for scope checks). */
export function toolOf(
  message: JsonRpcRequest,
  set: ToolSet = registryToolSet(),
): AnyTool | undefined {
  if (message.method !== "tools/call") return undefined;
  const name = message.params?.name;
  return typeof name === "string" ? set.byName.get(name) : undefined;
}

/** A whole message, for transports without headers (stdio). */
export async function handleMessage(
  body: unknown,
  deps: McpDeps,
  call: McpCall,
): Promise<JsonRpcResponse | undefined> {
  let parsed: Parsed;
  try {
    parsed = parseMessage(body);
  } catch (err) {
    return errorResponse(isObject(body) && isRequestId(body.id) ? body.id : null, err as RpcError);
  }
  if (parsed.kind !== "request") return undefined;
  const { message } = parsed;
  try {
    return await dispatch(message, classifyEra(message), deps, call);
  } catch (err) {
    return errorResponse(
      message.id,
      err instanceof RpcError ? err : new RpcError(INTERNAL_ERROR, "internal error"),
    );
  }
}

/** Answers one classified request. Throws RpcError for protocol-level failures. */
export async function dispatch(
  message: JsonRpcRequest & { id: string | number },
  era: Era,
  deps: McpDeps,
  call: McpCall,
): Promise<JsonRpcResponse> {
  const set = deps.toolSet ?? registryToolSet();
  const params = message.params ?? {};
  const modern = era.era === "modern";
  const done = (result: Record<string, unknown>) =>
    resultResponse(message.id, modern ? { resultType: "complete", ...result } : result);

  switch (message.method) {
    case "tools/call":
      return done(await runTool(set, params, deps, call));
    case "tools/list": {
      const page = pageFor(set, params.cursor);
      return done(modern ? { ...page, ttlMs: LIST_TTL_MS, cacheScope: "public" } : page);
    }
    case "server/discover":
      // Answered even without an envelope: it is how a client (or curl) finds out.
      return resultResponse(message.id, {
        resultType: "complete",
        supportedVersions: SUPPORTED_VERSIONS,
        capabilities: CAPABILITIES,
        instructions: instructions(set),
        ttlMs: LIST_TTL_MS,
        cacheScope: "public",
        _meta: { [META.serverInfo]: SERVER_INFO },
      });
  }
  if (!modern) {
    if (message.method === "initialize")
      return done({
        protocolVersion: negotiateLegacy(params.protocolVersion),
        capabilities: CAPABILITIES,
        serverInfo: SERVER_INFO,
        instructions: instructions(set),
      });
    if (message.method === "ping") return done({});
  }
  throw new RpcError(
    METHOD_NOT_FOUND,
    `method "${message.method}" is not supported; quiver serves ${modern ? "server/discover, tools/list and tools/call" : "initialize, ping, tools/list and tools/call"}`,
  );
}

async function runTool(
  set: ToolSet,
  params: Record<string, unknown>,
  deps: McpDeps,
  call: McpCall,
): Promise<Record<string, unknown>> {
  const name = params.name;
  if (typeof name !== "string")
    throw new RpcError(
      INVALID_PARAMS,
      "tools/call needs params.name, the tool to call (tools/list lists them)",
    );
  const tool = set.byName.get(name);
  if (!tool)
    throw new RpcError(
      INVALID_PARAMS,
      `Unknown tool: ${JSON.stringify(name)}; tools/list lists them (${set.tools.map((t) => t.name).join(", ")})`,
    );
  const ctx: ToolContext = { ...deps.services, caller: call.caller, signal: call.signal };
  const token = isObject(params._meta) ? params._meta.progressToken : undefined;
  if (call.notify && isRequestId(token)) ctx.progress = progressReporter(token, call.notify);
  try {
    return successResult(tool, await callTool(tool, params.arguments, ctx));
  } catch (err) {
    return failureResult(tool, err);
  }
}

/**
 * `ctx.progress` for a request that asked for progress: `notifications/progress` with
 * the request's token. Progress must increase (spec), so stale or repeated values are
 * dropped rather than sent.
 */
export function progressReporter(
  token: string | number,
  notify: (n: JsonRpcNotification) => void,
): NonNullable<ToolContext["progress"]> {
  let last = -Infinity;
  return (progress, total, message) => {
    if (!(progress > last)) return;
    last = progress;
    const params: Record<string, unknown> = { progressToken: token, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    notify({ jsonrpc: "2.0", method: "notifications/progress", params });
  };
}

function instructions(set: ToolSet): string {
  return `quiver stores files and serves tools over them (${set.tools.map((t) => t.name).join(", ")}). Tool results are JSON.`;
}
