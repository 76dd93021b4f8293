import { Database } from "bun:sqlite";
import { QuiverError } from "../errors.ts";
import { SearchIndex, type SearchOptions } from "./search.ts";

/**
 * The search thread (search-runner.ts): its own connection to the data directory's
 * database, answering one search at a time. A search can be slow (a query of common
 * words over a large store) and SQLite cannot be interrupted from bun:sqlite; here a slow
 * one holds only this thread, which the runner abandons when the deadline passes.
 */
declare const self: Worker;

let index: SearchIndex | undefined;

self.onmessage = (ev: MessageEvent) => {
  const msg = ev.data as
    | { init: { file: string } }
    | { id: number; query: string; opts: SearchOptions };
  if ("init" in msg) {
    const db = new Database(msg.init.file, { strict: true });
    // The opener (openDatabase) has set WAL and migrated; a reader only needs to wait
    // for a writer's lock rather than fail.
    db.run("PRAGMA busy_timeout = 10000");
    index = new SearchIndex(db);
    self.postMessage({ ready: true });
    return;
  }
  try {
    self.postMessage({ id: msg.id, ok: index!.search(msg.query, msg.opts) });
  } catch (err) {
    if (err instanceof QuiverError)
      self.postMessage({
        id: msg.id,
        known: { status: err.status, code: err.code, message: err.message },
      });
    else self.postMessage({ id: msg.id, failed: String((err as Error)?.stack ?? err) });
  }
};
