import { logError } from "./log.ts";

/**
 * What changed in this process, for whoever listens: MCP sessions turn these into
 * `notifications/resources/updated`, `…/resources/list_changed` and `…/tools/list_changed`
 * (2025 clients over stdio) or `subscriptions/listen` events (2026-07-28). On SQLite, what
 * this process did (and its job worker relays, jobs/change-relay.ts); on PostgreSQL, every
 * replica's file changes too (store/pg/changes.ts, through LISTEN/NOTIFY).
 */
export type Change =
  /** A stored file was written (created or replaced) or deleted. */
  | { kind: "file"; path: string; change: "written" | "deleted" }
  /** The set of tools changed (user tools reloaded). */
  | { kind: "tools" };

export type ChangeListener = (change: Change) => void;

export class ChangeFeed {
  readonly #listeners = new Set<ChangeListener>();

  /** Returns the function that stops listening. */
  subscribe(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A listener that throws is that listener's bug: the others still hear the change. */
  emit(change: Change): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (err) {
        logError("change listener failed", { error: err, change });
      }
    }
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }
}
