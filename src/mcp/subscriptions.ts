/*
 * Change notifications, both eras. 2026-07-28: `subscriptions/listen` is a long-lived
 * request; it is acknowledged at once, its notifications carry its id as
 * `io.modelcontextprotocol/subscriptionId`, and it is answered only when the server ends
 * it (shutdown, or over HTTP its maximum age) — a client ends it by closing the stream or
 * cancelling the request. 2025-x over stdio: after `initialize` the session hears
 * list changes unsolicited, and `resources/subscribe` adds URIs to watch. Over stateless
 * HTTP a 2025 client has no channel to hear anything on (no session, no GET stream).
 */

import { QuiverError } from "../errors.ts";
import { pathOfSkillUri, SKILL_URI_PREFIX } from "../skills/skill-uri.ts";
import type { Caller } from "../store/tokens.ts";
import type { Services } from "../tools/define.ts";
import { requireScope } from "../tools/pipeline.ts";
import {
  INVALID_PARAMS,
  INVALID_REQUEST,
  isObject,
  type JsonRpcNotification,
  METHOD_NOT_FOUND,
  type RequestId,
  RpcError,
} from "./jsonrpc.ts";
import { hubFor, LISTEN_LIMITS, type Listener } from "./listeners.ts";
import { pathOfUri } from "./resource-uri.ts";

/** The stored path a watched URI names: quiver://files/… or a skill's skill://… file. */
function watchedPath(uri: unknown, skillsPrefix: string): string {
  if (typeof uri === "string" && uri.startsWith(SKILL_URI_PREFIX)) {
    try {
      return pathOfSkillUri(skillsPrefix, uri);
    } catch (err) {
      if (err instanceof QuiverError) throw new RpcError(INVALID_PARAMS, err.message);
      throw err;
    }
  }
  return pathOfUri(uri);
}

export const SUBSCRIPTION_ID = "io.modelcontextprotocol/subscriptionId";

/** A stdio connection's state: the only place quiver keeps any between requests. */
export interface McpSession {
  /** Set by a 2025 `initialize`: the session then hears list changes and its subscriptions. */
  legacy?: Listener;
  close(): void;
}

export function stdioSession(): McpSession {
  const session: McpSession = {
    close: () => {
      session.legacy?.end?.();
    },
  };
  return session;
}

/** A 2025 `initialize` on a session: from now on it hears list changes (declared in capabilities). */
export function startLegacyNotifications(
  session: McpSession,
  caller: Caller,
  services: Services,
  notify: ((n: JsonRpcNotification) => void) | undefined,
): void {
  if (session.legacy || !notify) return;
  const listener: Listener = {
    owner: caller.id,
    toolsList: true,
    resourcesList: true,
    paths: new Map(),
    send: notify,
  };
  let remove: () => void;
  try {
    remove = hubFor(services).add(listener);
  } catch (err) {
    // Over the bounds: the session works, without notifications (capabilities say so).
    if (err instanceof RpcError) return;
    throw err;
  }
  listener.end = () => {
    remove();
    session.legacy = undefined;
  };
  session.legacy = listener;
}

/** 2025 `resources/subscribe` / `resources/unsubscribe`. */
export function legacySubscribe(
  method: "resources/subscribe" | "resources/unsubscribe",
  params: Record<string, unknown>,
  caller: Caller,
  session: McpSession | undefined,
  services: Services,
): Record<string, unknown> {
  if (!session?.legacy)
    throw new RpcError(
      METHOD_NOT_FOUND,
      session
        ? `${method} needs an initialized session: send initialize first`
        : `${method} needs a session, and this HTTP endpoint is sessionless: use protocol 2026-07-28's subscriptions/listen, or quiver mcp (stdio)`,
    );
  requireScope(caller, "read", method);
  const path = watchedPath(params.uri, services.config.skillsPrefix);
  if (method === "resources/subscribe")
    hubFor(services).watch(session.legacy, path, params.uri as string);
  else hubFor(services).unwatch(session.legacy, path);
  return {};
}

interface Filter {
  toolsListChanged?: boolean;
  resourcesListChanged?: boolean;
  resourceSubscriptions?: string[];
}

export interface ListenCall {
  id: RequestId;
  caller: Caller;
  notify?: (n: JsonRpcNotification) => void;
  signal?: AbortSignal;
  /** The server ends the subscription after this long (HTTP: tokens may be revoked meanwhile). */
  maxMs?: number;
}

/**
 * `subscriptions/listen`: resolves with the closing result when the server ends the
 * subscription, or when the client does (the transport then sends nothing).
 */
export async function listen(
  params: Record<string, unknown>,
  call: ListenCall,
  services: Services,
): Promise<Record<string, unknown>> {
  requireScope(call.caller, "read", "subscriptions/listen");
  const { accepted, paths } = parseFilter(params.notifications, services.config.skillsPrefix);
  const { notify, signal } = call;
  if (!notify)
    throw new RpcError(
      INVALID_REQUEST,
      "subscriptions/listen answers with a stream: send Accept: application/json, text/event-stream",
      undefined,
      400,
    );
  const meta = { [SUBSCRIPTION_ID]: call.id };
  const stamped = (n: JsonRpcNotification): JsonRpcNotification => ({
    ...n,
    params: { ...n.params, _meta: { ...(n.params?._meta as object), ...meta } },
  });
  const closing = { _meta: meta };
  if (signal?.aborted) return closing;
  return new Promise((resolve) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const listener: Listener = {
      owner: call.caller.id,
      toolsList: accepted.toolsListChanged === true,
      resourcesList: accepted.resourcesListChanged === true,
      paths,
      send: (n) => notify(stamped(n)),
      end: () => finish(),
    };
    const remove = hubFor(services).add(listener);
    const finish = () => {
      remove();
      clearTimeout(timer);
      signal?.removeEventListener("abort", finish);
      resolve(closing);
    };
    // First on the stream, before anything the hub sends (it sends from a timer).
    notify(
      stamped({
        jsonrpc: "2.0",
        method: "notifications/subscriptions/acknowledged",
        params: { notifications: accepted },
      }),
    );
    signal?.addEventListener("abort", finish, { once: true });
    if (call.maxMs !== undefined) timer = setTimeout(finish, call.maxMs);
  });
}

/** The filter, reduced to what quiver honours (no prompts; only its own file and skill URIs). */
function parseFilter(
  value: unknown,
  skillsPrefix: string,
): { accepted: Filter; paths: Map<string, string> } {
  if (!isObject(value))
    throw new RpcError(
      INVALID_PARAMS,
      'subscriptions/listen needs params.notifications, e.g. {"resourcesListChanged": true, "resourceSubscriptions": ["quiver://files/notes.md"]}',
    );
  const accepted: Filter = {};
  for (const key of ["toolsListChanged", "promptsListChanged", "resourcesListChanged"] as const) {
    const flag = value[key];
    if (flag !== undefined && typeof flag !== "boolean")
      throw new RpcError(INVALID_PARAMS, `params.notifications.${key} must be a boolean`);
    if (flag === true && key !== "promptsListChanged") accepted[key] = true;
  }
  const paths = new Map<string, string>();
  const uris = value.resourceSubscriptions;
  if (uris !== undefined) {
    if (!Array.isArray(uris) || uris.some((u) => typeof u !== "string"))
      throw new RpcError(
        INVALID_PARAMS,
        "params.notifications.resourceSubscriptions must be an array of resource URIs",
      );
    if (uris.length > LISTEN_LIMITS.urisPerListener)
      throw new RpcError(
        INVALID_PARAMS,
        `params.notifications.resourceSubscriptions lists ${uris.length} URIs; at most ${LISTEN_LIMITS.urisPerListener} per subscription (open another, or watch resourcesListChanged)`,
      );
    for (const uri of uris as string[]) {
      const path = pathOrUndefined(uri, skillsPrefix);
      if (path !== undefined) paths.set(path, uri);
    }
    accepted.resourceSubscriptions = [...paths.values()];
  }
  return { accepted, paths };
}

/** URIs that are not quiver's files are left out of the acknowledgment, not refused. */
function pathOrUndefined(uri: string, skillsPrefix: string): string | undefined {
  try {
    return watchedPath(uri, skillsPrefix);
  } catch (err) {
    if (err instanceof RpcError || err instanceof QuiverError) return undefined;
    throw err;
  }
}
