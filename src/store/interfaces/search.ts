import type { Awaitable } from "../awaitable.ts";
import type { SearchOptions, SearchResult } from "../search.ts";

/** The search index over stored text files' passages (SQLite: search.ts; PostgreSQL). */
export interface Index {
  /** Runs a query with a deadline; never holds the process. */
  searchAsync(query: string, opts: SearchOptions, timeoutMs: number): Promise<SearchResult>;
  /** Gets ready to answer (the SQLite store starts its search thread). */
  warmUp(): Promise<void>;
  /** Replaces the passages of these files, all in one transaction (reindex). */
  replace(batch: { id: number; path: string; text: string }[]): Awaitable<void>;
  /** Drops passages whose file row is gone. */
  dropOrphans(): Awaitable<number>;
  passageCount(): Awaitable<number>;
  /** Stops background work; idempotent. */
  close(): void;
}
