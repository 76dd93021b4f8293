import { dirname } from "node:path";
import { QuiverError } from "../errors.ts";
import { openDatabase } from "./db.ts";
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
    | { init: { file: string; readOnly: boolean } }
    | { warm: true }
    | { id: number; query: string; opts: SearchOptions };
  if ("init" in msg) {
    // Every connection to the data directory gets openDatabase's settings; the opener has
    // migrated already, so this one finds nothing to do.
    const { file, readOnly } = msg.init;
    index = new SearchIndex(openDatabase(dirname(file), { readOnly }), {
      readOnly,
      background: true,
    });
    self.postMessage({ ready: true });
    return;
  }
  if ("warm" in msg) {
    index!.whenRanked(() => self.postMessage({ warmed: true }));
    return;
  }
  try {
    // As a JSON string: cloning the result object costs more than stringifying and
    // parsing it (~35 against ~20 µs a round trip for a page of 10).
    self.postMessage({ id: msg.id, ok: JSON.stringify(index!.search(msg.query, msg.opts)) });
  } catch (err) {
    if (err instanceof QuiverError)
      self.postMessage({
        id: msg.id,
        known: { status: err.status, code: err.code, message: err.message },
      });
    else self.postMessage({ id: msg.id, failed: String((err as Error)?.stack ?? err) });
  }
};
