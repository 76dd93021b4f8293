import type { Database, Statement } from "bun:sqlite";
import { badRequest } from "../errors.ts";
import { logError } from "../log.ts";
import type { Passage } from "./chunk.ts";
import { decodeText } from "./content.ts";
import type { FileIndexer } from "./files.ts";
import { passagesForIndex } from "./index-passages.ts";
import { normalizePrefix } from "./paths.ts";
import { parseQuery } from "./query.ts";
import { unsegment } from "./search-text.ts";

export interface SearchHit {
  path: string;
  line_start: number;
  line_end: number;
  /** -bm25: positive, higher is better. Comparable within one query only. */
  score: number;
  /** Text around the best match, matched terms marked «like this». */
  snippet: string;
}

export interface SearchOptions {
  limit?: number;
  offset?: number;
  /** Only files whose logical path starts with this (raw user text; normalised here). */
  pathPrefix?: string;
  /** Also count all matches (one more query). Default true. */
  withTotal?: boolean;
}

export interface SearchResult {
  results: SearchHit[];
  total?: number;
}

export const SNIPPET_OPEN = "«";
export const SNIPPET_CLOSE = "»";
/** Tokens of context in a snippet (FTS5 allows up to 64). */
const SNIPPET_TOKENS = 24;

interface HitRow {
  path: string;
  line_start: number;
  line_end: number;
  rank: number;
  snippet: string;
}

/**
 * The full-text index: passages of every text file, `passages` (file, line range) +
 * `passages_fts` (text) joined on rowid (migration 3). It is the FileStore's indexer, so it runs inside the file's write
 * transaction and a file is searchable exactly when its write is acknowledged.
 */
export class SearchIndex implements FileIndexer {
  private readonly q: {
    insert: Statement<unknown, [number, number, number]>;
    ftsInsert: Statement<unknown, [number, string]>;
    ftsDelete: Statement<unknown, [number]>;
    del: Statement<unknown, [number]>;
    search: Statement<HitRow, [string, string, string, number, number]>;
    count: Statement<{ n: number }, [string, string, string]>;
  };

  constructor(readonly db: Database) {
    this.q = {
      insert: db.prepare("INSERT INTO passages (file_id, line_start, line_end) VALUES (?, ?, ?)"),
      ftsInsert: db.prepare("INSERT INTO passages_fts (rowid, text) VALUES (?, ?)"),
      ftsDelete: db.prepare(
        "DELETE FROM passages_fts WHERE rowid IN (SELECT id FROM passages WHERE file_id = ?)",
      ),
      del: db.prepare("DELETE FROM passages WHERE file_id = ?"),
      // ?2/?3: path range [prefix, prefix + U+10FFFF); the join is cheap since the
      // match is evaluated first and each hit looks up one file row by primary key.
      search: db.prepare(
        `SELECT f.path, p.line_start, p.line_end, passages_fts.rank AS rank,
                snippet(passages_fts, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', ${SNIPPET_TOKENS}) AS snippet
         FROM passages_fts
         JOIN passages p ON p.id = passages_fts.rowid
         JOIN files f ON f.id = p.file_id
         WHERE passages_fts MATCH ?1 AND f.path >= ?2 AND f.path < ?3
         ORDER BY passages_fts.rank, passages_fts.rowid
         LIMIT ?4 OFFSET ?5`,
      ),
      count: db.prepare(
        `SELECT count(*) AS n FROM passages_fts
         JOIN passages p ON p.id = passages_fts.rowid
         JOIN files f ON f.id = p.file_id
         WHERE passages_fts MATCH ?1 AND f.path >= ?2 AND f.path < ?3`,
      ),
    };
  }

  index(fileId: number, _path: string, text: string): void {
    this.indexPassages(fileId, passagesForIndex(text));
  }

  /** Inserts passages already made by passagesForIndex (e.g. on an import worker thread). */
  indexPassages(fileId: number, passages: Passage[]): void {
    for (const p of passages) {
      const id = this.q.insert.run(fileId, p.line_start, p.line_end).lastInsertRowid as number;
      this.q.ftsInsert.run(id, p.text);
    }
  }

  remove(fileId: number): void {
    this.q.ftsDelete.run(fileId);
    this.q.del.run(fileId);
  }

  search(query: string, opts: SearchOptions = {}): SearchResult {
    const { match, paths } = parseQuery(query);
    const prefix = narrowestPrefix([...paths, normalizePrefix(opts.pathPrefix, "path_prefix")]);
    if (prefix === null)
      return opts.withTotal === false ? { results: [] } : { results: [], total: 0 };
    const limit = opts.limit ?? 5;
    const offset = opts.offset ?? 0;
    const upper = `${prefix}\u{10FFFF}`;
    try {
      const rows = this.q.search.all(match, prefix, upper, limit, offset);
      const results = rows.map((r) => ({
        path: r.path,
        line_start: r.line_start,
        line_end: r.line_end,
        // Significant digits, not decimals: in a small corpus bm25 can be ~1e-6, and a
        // score rounded to 0 would read as "no match".
        score: Number((-r.rank).toPrecision(4)),
        snippet: unsegment(r.snippet),
      }));
      if (opts.withTotal === false) return { results };
      const total =
        offset === 0 && rows.length < limit
          ? rows.length
          : this.q.count.get(match, prefix, upper)!.n;
      return { results, total };
    } catch (err) {
      // parseQuery only emits valid expressions; if FTS5 still objects, that is our bug,
      // logged here — but the caller gets a 400 without SQLite's words, never a 500.
      if (!String((err as Error)?.message).includes("fts5")) throw err;
      logError("fts5 rejected a parsed query", { query, match, error: err });
      throw badRequest("invalid_query", "query could not be run; simplify it or quote it");
    }
  }

  /**
   * Indexes the text files that were stored before the index existed (listed by
   * migration 3), then forgets the list. `read` returns a blob's bytes. Runs at open,
   * synchronously, so a server never answers searches from a half-built index; on a new
   * database the list is empty and this is one query.
   */
  backfill(read: (hash: string) => Uint8Array, maxBytes: number): number {
    if (!this.db.query("SELECT 1 FROM search_backfill LIMIT 1").get()) return 0;
    const pending = this.db
      .query(
        "SELECT f.id, f.path, f.hash, f.size FROM search_backfill b JOIN files f ON f.id = b.file_id WHERE f.is_text = 1",
      )
      .all() as { id: number; path: string; hash: string; size: number }[];
    let done = 0;
    for (let k = 0; k < pending.length; k += 100) {
      const batch = pending.slice(k, k + 100).flatMap((f) => {
        if (f.size > maxBytes) return [];
        try {
          return [{ ...f, text: decodeText(read(f.hash)) }];
        } catch (err) {
          logError(
            "search backfill: cannot read a stored file; it stays unsearchable until rewritten",
            { path: f.path, error: err },
          );
          return [];
        }
      });
      this.replace(batch);
      done += batch.length;
    }
    this.db.run("DELETE FROM search_backfill");
    return done;
  }

  /** Replaces the passages of these files, all in one transaction. */
  replace(batch: { id: number; path: string; text: string }[]): void {
    this.db
      .transaction(() => {
        for (const f of batch) {
          this.remove(f.id);
          this.index(f.id, f.path, f.text);
        }
      })
      .immediate();
  }

  /** Drops passages whose file row is gone (should never exist; a rebuild makes sure). */
  dropOrphans(): number {
    let n = 0;
    this.db
      .transaction(() => {
        this.db.run(
          "DELETE FROM passages_fts WHERE rowid IN (SELECT id FROM passages WHERE file_id NOT IN (SELECT id FROM files))",
        );
        n = this.db.run("DELETE FROM passages WHERE file_id NOT IN (SELECT id FROM files)").changes;
      })
      .immediate();
    return n;
  }

  passageCount(): number {
    return (this.db.query("SELECT count(*) AS n FROM passages").get() as { n: number }).n;
  }
}

/** The one prefix that implies all the others, or null when they exclude each other. */
function narrowestPrefix(prefixes: string[]): string | null {
  let best = "";
  for (const p of prefixes) {
    if (p.startsWith(best)) best = p;
    else if (!best.startsWith(p)) return null;
  }
  return best;
}

/**
 * FTS5 settings for a bulk import; the returned function restores them. A 16 MiB pending
 * hash (default 1 MiB) flushes each batch's terms as a few large segments instead of many
 * small ones, and automerge 16 (default 4) leaves them unmerged until the import's end
 * rather than rewriting them batch after batch. Measured on the benchmark corpus in import-
 * sized transactions: the FTS5 inserts ~20% faster, and the finished index the same size
 * and as fast to query (bench/search.ts). Both are FTS5 options stored with the table, so
 * other connections see them too — harmlessly: they change when work is done, not results.
 */
export function ftsBulkSettings(db: Database): () => void {
  const set = (key: string, value: number) =>
    db.run(`INSERT INTO passages_fts(passages_fts, rank) VALUES('${key}', ${value})`);
  const current = (key: string, fallback: number) =>
    (db.query("SELECT v FROM passages_fts_config WHERE k = ?").get(key) as { v: number } | null)
      ?.v ?? fallback;
  const automerge = current("automerge", 4);
  const hashsize = current("hashsize", 1024 * 1024);
  set("hashsize", 16 * 1024 * 1024);
  set("automerge", 16);
  return () => {
    try {
      set("automerge", automerge);
      set("hashsize", hashsize);
    } catch (err) {
      // Only speed depends on these; the import's own outcome (or error) must not be masked.
      logError("could not restore the search index's merge settings after an import", {
        error: err,
      });
    }
  };
}
