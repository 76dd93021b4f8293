/*
 * MCP as a function of (message, caller, services): one JSON-RPC message in, at most one
 * response out. No transport objects, no sessions: every request stands alone, so any
 * replica can answer it and stdio and HTTP share every rule. Tool calls go through the
 * pipeline (src/tools/pipeline.ts) like every other transport's; files as resources and
 * path completion read the store (resources.ts, completion.ts), with the pipeline's scope
 * rule; the transports add only
 * what is theirs (framing; on HTTP, headers and statuses — see http.ts).
 */

import { logError } from "../log.ts";
import type { Caller } from "../store/tokens.ts";
import type { Services } from "../tools/define.ts";
import { VERSION } from "../version.ts";
import { authorized } from "./authorized.ts";
import { complete } from "./completion.ts";
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
import { FILE_TEMPLATE, listResources, readResource } from "./resources.ts";
import { getSkill, listSkills, readDirectory, SKILLS_EXTENSION } from "./skills.ts";
import {
  legacySubscribe,
  listen,
  type McpSession,
  startLegacyNotifications,
} from "./subscriptions.ts";
import { cancelTask, getTask, TASKS_EXTENSION, updateTask } from "./tasks.ts";
import { runTool } from "./tool-call.ts";
import { LIST_TTL_MS, pageFor } from "./tools-list.ts";
import { META, negotiateLegacy, SUPPORTED_VERSIONS } from "./versions.ts";

export const SERVER_INFO = { name: "quiver", title: "quiver", version: VERSION };
/**
 * Change notifications need a channel back to the client: 2026-07-28 opens one per
 * `subscriptions/listen` (HTTP and stdio); a 2025 client has one only over stdio.
 */
function capabilities(notifies: boolean, modern: boolean) {
  return {
    // 2025's logging/setLevel (2026-07-28 deprecates it for a per-request level).
    ...(modern ? {} : { logging: {} }),
    tools: { listChanged: notifies },
    resources: { subscribe: notifies, listChanged: notifies },
    completions: {},
    // Tasks are negotiated per request in 2026-07-28's client capabilities only.
    extensions: {
      [SKILLS_EXTENSION]: { directoryRead: true },
      ...(modern ? { [TASKS_EXTENSION]: {} } : {}),
    },
  };
}
/** Files change at any time (subscriptions say when): resource answers are not reused. */
const RESOURCE_CACHE = { ttlMs: 0, cacheScope: "private" };

export interface McpCall {
  caller: Caller;
  /**
   * Aborted when the client goes away or cancels; a function where reading the signal
   * costs something (HTTP's Request.signal), read only when a tool reads its own.
   */
  signal?: AbortSignal | (() => AbortSignal);
  /** Sends a notification to the client, when the transport can (progress). */
  notify?: (notification: JsonRpcNotification) => void;
  /**
   * Authorization failures of a tool call are thrown to the transport instead of becoming
   * an `isError` result: HTTP answers them itself, with a 403 and its challenge.
   */
  rethrowAuth?: boolean;
  /** Told the name of the tool a `tools/call` runs, once it is known (for the access log). */
  onTool?: (name: string) => void;
  /** A connection's state, on transports that have connections (stdio). */
  session?: McpSession;
  /** How long a `subscriptions/listen` may stay open before the server ends it. */
  listenMaxMs?: number;
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

/** A whole message, for transports without headers (stdio). */
export async function handleMessage(
  body: unknown,
  call: McpCall,
  services: Services,
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
    return await dispatch(message, classifyEra(message), call, services);
  } catch (err) {
    return rpcFailure(message.id, err);
  }
}

/** A protocol failure as a JSON-RPC error response; anything but an RpcError is a bug. */
export function rpcFailure(id: JsonRpcRequest["id"] | null, err: unknown): JsonRpcResponse {
  if (err instanceof RpcError) return errorResponse(id, err);
  logError("mcp request failed", { error: err });
  return errorResponse(id, new RpcError(INTERNAL_ERROR, "internal error"));
}

/** Answers one classified request. Throws RpcError for protocol-level failures. */
export async function dispatch(
  message: JsonRpcRequest & { id: string | number },
  era: Era,
  call: McpCall,
  services: Services,
): Promise<JsonRpcResponse> {
  const params = message.params ?? {};
  const modern = era.era === "modern";
  const done = (result: Record<string, unknown>) =>
    resultResponse(message.id, modern ? { resultType: "complete", ...result } : result);
  const cached = (result: Record<string, unknown>) =>
    modern ? { ...result, ...RESOURCE_CACHE } : result;

  switch (message.method) {
    case "tools/call":
      return done(await runTool(params, call, services, modern));
    case "tools/list": {
      // Private: each token sees the tools it may call.
      const page = pageFor(services.tools, call.caller, params.cursor);
      return done(modern ? { ...page, ttlMs: LIST_TTL_MS, cacheScope: "private" } : page);
    }
    case "resources/list":
      return done(
        cached(await authorized(call, () => listResources(params, call.caller, services))),
      );
    case "resources/read":
      return done(
        cached(await authorized(call, () => readResource(params, call.caller, services))),
      );
    case "resources/templates/list":
      return done(
        modern
          ? { resourceTemplates: [FILE_TEMPLATE], ttlMs: LIST_TTL_MS, cacheScope: "public" }
          : { resourceTemplates: [FILE_TEMPLATE] },
      );
    case "completion/complete":
      return done(await authorized(call, () => complete(params, call.caller, services)));
    case "skills/list":
      return done(cached(await authorized(call, () => listSkills(params, call.caller, services))));
    case "skills/get":
      return done(cached(await authorized(call, () => getSkill(params, call.caller, services))));
    case "resources/directory/read":
      return done(
        cached(await authorized(call, () => readDirectory(params, call.caller, services))),
      );
    case "tasks/get":
    case "tasks/cancel":
    case "tasks/update": {
      if (!modern) break;
      const run = { "tasks/get": getTask, "tasks/cancel": cancelTask, "tasks/update": updateTask }[
        message.method
      ];
      return done(await authorized(call, () => run(params, call.caller, services)));
    }
    case "subscriptions/listen":
      if (!modern) break;
      return done(
        await authorized(call, () =>
          listen(
            params,
            {
              id: message.id,
              caller: call.caller,
              notify: call.notify,
              signal: typeof call.signal === "function" ? call.signal() : call.signal,
              maxMs: call.listenMaxMs,
            },
            services,
          ),
        ),
      );
    case "server/discover":
      // Answered even without an envelope: it is how a client (or curl) finds out.
      return resultResponse(message.id, {
        resultType: "complete",
        supportedVersions: SUPPORTED_VERSIONS,
        capabilities: capabilities(true, true),
        instructions: instructions(services.tools.names),
        ttlMs: LIST_TTL_MS,
        cacheScope: "public",
        _meta: { [META.serverInfo]: SERVER_INFO },
      });
  }
  if (!modern) {
    if (message.method === "initialize") {
      if (call.session) startLegacyNotifications(call.session, call.caller, services, call.notify);
      return done({
        protocolVersion: negotiateLegacy(params.protocolVersion),
        capabilities: capabilities(call.session?.legacy !== undefined, false),
        serverInfo: SERVER_INFO,
        instructions: instructions(services.tools.names),
      });
    }
    if (message.method === "ping") return done({});
    if (message.method === "logging/setLevel") return done(setLevel(params));
    if (message.method === "resources/subscribe" || message.method === "resources/unsubscribe")
      return done(
        authorized(call, () =>
          legacySubscribe(message.method as never, params, call.caller, call.session, services),
        ),
      );
  }
  throw new RpcError(
    METHOD_NOT_FOUND,
    `method "${message.method}" is not supported; quiver serves ${modern ? "server/discover, subscriptions/listen, tasks/get, tasks/cancel, tasks/update" : "initialize, ping, logging/setLevel, resources/subscribe (stdio)"}, ${COMMON_METHODS}`,
  );
}

const COMMON_METHODS =
  "tools/list, tools/call, resources/list, resources/read, resources/templates/list, resources/directory/read, completion/complete, skills/list and skills/get";

const LOG_LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];

/**
 * `logging/setLevel` (2025): the level is a minimum for `notifications/message`, and quiver
 * sends none — its logs are the operator's, on stderr — so a valid level is simply accepted.
 */
function setLevel(params: Record<string, unknown>): Record<string, unknown> {
  if (typeof params.level !== "string" || !LOG_LEVELS.includes(params.level))
    throw new RpcError(INVALID_PARAMS, `params.level must be one of ${LOG_LEVELS.join(", ")}`);
  return {};
}

function instructions(names: readonly string[]): string {
  return `quiver stores files and serves tools over them (${names.join(", ")}). Tool results are JSON. Stored files are also resources, quiver://files/<path>.`;
}
