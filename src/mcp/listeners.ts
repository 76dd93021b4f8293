/*
 * Who hears change notifications, and the one place they are sent from. Every open
 * `subscriptions/listen` stream (2026-07-28, HTTP or stdio) and every 2025-era stdio
 * session is a Listener here. The hub listens to services.changes once, however many
 * listeners there are, and coalesces: a change starts a short window, and at its end each
 * listener hears each kind of notification (and each watched URI's update) at most once.
 * An import of 100,000 files thus sends a handful of list_changed, not 100,000.
 */

import type { Change, ChangeFeed } from "../changes.ts";
import { logError } from "../log.ts";
import type { Services } from "../tools/define.ts";
import { INVALID_REQUEST, type JsonRpcNotification, RpcError } from "./jsonrpc.ts";

/** Bounds: listeners per process, per caller (token or stdio session), URIs per listener. */
export const LISTEN_LIMITS = { total: 512, perCaller: 32, urisPerListener: 1024 };
/** The coalescing window: each listener hears at most one of each notification per window. */
export const COALESCE_MS = 100;

export interface Listener {
  /** Whose listener this is (a token id, or a stdio session), for the per-caller bound. */
  owner: string;
  toolsList: boolean;
  resourcesList: boolean;
  /** Watched stored paths → the URI the client named them with (updates echo it). */
  readonly paths: Map<string, string>;
  send(notification: JsonRpcNotification): void;
  /** The server ends it (shutdown): the listener answers its request and stops. */
  end?(): void;
}

export class ListenerHub {
  readonly #listeners = new Set<Listener>();
  readonly #byPath = new Map<string, Set<Listener>>();
  readonly #pendingPaths = new Set<string>();
  #pendingTools = false;
  #pendingResources = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopFeed: (() => void) | undefined;

  constructor(private readonly changes: ChangeFeed) {}

  get size(): number {
    return this.#listeners.size;
  }

  /** Registers a listener, within the bounds. Returns the function that removes it. */
  add(listener: Listener): () => void {
    if (this.#listeners.size >= LISTEN_LIMITS.total)
      throw tooMany(`this server already has ${LISTEN_LIMITS.total} open subscriptions`);
    let mine = 0;
    for (const l of this.#listeners) if (l.owner === listener.owner) mine++;
    if (mine >= LISTEN_LIMITS.perCaller)
      throw tooMany(
        `you already have ${LISTEN_LIMITS.perCaller} open subscriptions; close one (or ask for more notifications on one)`,
      );
    this.#listeners.add(listener);
    for (const path of listener.paths.keys()) this.#index(listener, path);
    this.#stopFeed ??= this.changes.subscribe((change) => this.#onChange(change));
    return () => this.#remove(listener);
  }

  /** Adds a watched path to a registered listener (2025's resources/subscribe). */
  watch(listener: Listener, path: string, uri: string): void {
    if (!listener.paths.has(path) && listener.paths.size >= LISTEN_LIMITS.urisPerListener)
      throw tooMany(
        `at most ${LISTEN_LIMITS.urisPerListener} resources can be subscribed at once; unsubscribe some first`,
      );
    listener.paths.set(path, uri);
    if (this.#listeners.has(listener)) this.#index(listener, path);
  }

  unwatch(listener: Listener, path: string): void {
    listener.paths.delete(path);
    const set = this.#byPath.get(path);
    set?.delete(listener);
    if (set?.size === 0) this.#byPath.delete(path);
  }

  /** Ends every listener from the server's side (shutdown): each answers its request. */
  endAll(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener.end?.();
      } catch (err) {
        logError("ending a subscription failed", { error: err });
      }
      this.#remove(listener);
    }
  }

  #index(listener: Listener, path: string): void {
    let set = this.#byPath.get(path);
    if (!set) this.#byPath.set(path, (set = new Set()));
    set.add(listener);
  }

  #remove(listener: Listener): void {
    if (!this.#listeners.delete(listener)) return;
    for (const path of listener.paths.keys()) {
      const set = this.#byPath.get(path);
      set?.delete(listener);
      if (set?.size === 0) this.#byPath.delete(path);
    }
    if (this.#listeners.size === 0) {
      this.#stopFeed?.();
      this.#stopFeed = undefined;
    }
  }

  #onChange(change: Change): void {
    if (change.kind === "tools") this.#pendingTools = true;
    else {
      // Any write or delete changes the list: its entries carry size and lastModified.
      this.#pendingResources = true;
      if (this.#byPath.has(change.path)) this.#pendingPaths.add(change.path);
    }
    this.#timer ??= setTimeout(() => this.#flush(), COALESCE_MS);
  }

  #flush(): void {
    this.#timer = undefined;
    const tools = this.#pendingTools;
    const resources = this.#pendingResources;
    const paths = [...this.#pendingPaths];
    this.#pendingTools = this.#pendingResources = false;
    this.#pendingPaths.clear();
    for (const listener of this.#listeners) {
      if (tools && listener.toolsList) deliver(listener, "notifications/tools/list_changed");
      if (resources && listener.resourcesList)
        deliver(listener, "notifications/resources/list_changed");
    }
    for (const path of paths)
      for (const listener of this.#byPath.get(path) ?? [])
        deliver(listener, "notifications/resources/updated", { uri: listener.paths.get(path) });
  }
}

function deliver(listener: Listener, method: string, params?: Record<string, unknown>): void {
  try {
    listener.send(params ? { jsonrpc: "2.0", method, params } : { jsonrpc: "2.0", method });
  } catch (err) {
    logError("sending a change notification failed", { error: err, method });
  }
}

function tooMany(message: string): RpcError {
  return new RpcError(INVALID_REQUEST, message, { code: "too_many_subscriptions" }, 429);
}

const hubs = new WeakMap<ChangeFeed, ListenerHub>();

/** The hub of a change feed (one per process in practice; tests make several). */
export function hubFor(services: Pick<Services, "changes">): ListenerHub {
  let hub = hubs.get(services.changes);
  if (!hub) hubs.set(services.changes, (hub = new ListenerHub(services.changes)));
  return hub;
}
