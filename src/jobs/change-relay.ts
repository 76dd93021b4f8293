import type { Change, ChangeFeed } from "../changes.ts";

/*
 * The job worker is its own process: the files an import writes are seen by that
 * process's FileStore, not by the server's, whose MCP clients want to hear of them. The
 * worker relays its file changes to the server over the IPC channel the supervisor opens,
 * in batches (at most one message per RELAY_MS, at most RELAY_MAX paths each), and the
 * server re-emits them on its own feed.
 */

export const RELAY_MS = 100;
export const RELAY_MAX = 1000;

interface RelayMessage {
  changes: { path: string; change: "written" | "deleted" }[];
}

/** Worker side: batches `feed`'s file changes into `send`. Returns a function that flushes and stops. */
export function relayChanges(feed: ChangeFeed, send: (message: RelayMessage) => void): () => void {
  // Keyed by path: a file written and deleted within one batch is sent once, as it ended.
  const pending = new Map<string, "written" | "deleted">();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    timer = undefined;
    while (pending.size) {
      const batch: RelayMessage["changes"] = [];
      for (const [path, change] of pending) {
        batch.push({ path, change });
        pending.delete(path);
        if (batch.length >= RELAY_MAX) break;
      }
      send({ changes: batch });
    }
  };
  const stop = feed.subscribe((change) => {
    if (change.kind !== "file") return;
    pending.delete(change.path);
    pending.set(change.path, change.change);
    timer ??= setTimeout(flush, RELAY_MS);
  });
  return () => {
    stop();
    clearTimeout(timer);
    flush();
  };
}

/** Server side: re-emits a relayed batch; anything not shaped like one is ignored. */
export function emitRelayed(feed: ChangeFeed, message: unknown): void {
  const changes = (message as Partial<RelayMessage> | null)?.changes;
  if (!Array.isArray(changes)) return;
  for (const c of changes.slice(0, RELAY_MAX)) {
    if (typeof c?.path !== "string" || (c.change !== "written" && c.change !== "deleted")) continue;
    const change: Change = { kind: "file", path: c.path, change: c.change };
    feed.emit(change);
  }
}
