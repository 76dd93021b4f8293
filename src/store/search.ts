import type { Database, Statement } from "bun:sqlite";
import { badRequest, QuiverError } from "../errors.ts";
import { logError, logInfo } from "../log.ts";
import type { Passage } from "./chunk.ts";
import { decodeText } from "./content.ts";
import type { FileIndexer } from "./files.ts";
import { passagesForIndex } from "./index-passages.ts";
import { normalizePrefix, prefixEnd } from "./paths.ts";
import { parseQuery } from "./query.ts";
import { rankPlain } from "./ranked-query.ts";
import { RankedSearch } from "./ranked-search.ts";
import { planPlain, type SearchPlan } from "./search-plan.ts";
import { groupByFile, type RankedPassage, snippetOf, wordMatcher } from "./search-rank.ts";
import { SearchRunner } from "./search-runner.ts";
import { unsegment } from "./search-text.ts";

/** Bound above every TEXT value in SQLite's ordering (TEXT sorts before BLOB). */
const ABOVE_EVERY_PATH = new Uint8Array([0xff]);
/** The upper end of a path range: a path, or ABOVE_EVERY_PATH. */
type PathBound = string | Uint8Array;

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
}

export interface SearchResult {
  results: SearchHit[];
  /** Passages that match, counted up to TOTAL_CAP. */
  total?: number;
  /** Present (true) when more than `total` passages match: counting stopped there. */
  total_is_lower_bound?: boolean;
  /**
   * Present (true) while the ranked index is being built (after a start, or a large
   * import): plain words were ranked by FTS5's plain BM25 over the passage text instead.
   */
  ranking_warming_up?: boolean;
}

/** Matches counted at most for `total`: a count costs every match it counts. */
export const TOTAL_CAP = 1000;
/** Ranked passages a page can be cut from (offset + limit beyond it gets nothing more). */
export const MAX_CANDIDATES = 1000;
/**
 * Candidates ranked for plain-word queries when the page is near the top: enough for the
 * file ranking (dev sets, limits 10 to 50: 50, 100 and 200 alike), and half the cost of
 * 100. A page they do not fill (one file holding most of them, each file showing at most
 * MAX_PASSAGES_PER_FILE) is ranked again from more.
 */
const MIN_CANDIDATES = 50;
/** The same for the FTS5 path (prefix* terms, and while the ranked index is built). */
const FTS_CANDIDATES = 100;
/** Passages a phrase in a plain-word query may contribute (FTS5 finds them). */
const MAX_PHRASE_PASSAGES = 5000;
/** search_changes rows kept (ranked-search.ts); a reader further behind rebuilds. */
const CHANGES_KEPT = 100_000;

export const SNIPPET_OPEN = "«";
export const SNIPPET_CLOSE = "»";
/** Tokens of context in a snippet (FTS5 allows up to 64). */
const SNIPPET_TOKENS = 24;

interface RankRow {
  id: number;
  path: string;
  line_start: number;
  line_end: number;
  rank: number;
}

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
    logChange: Statement<unknown, [number]>;
    trimChanges: Statement<unknown, [number]>;
    ftsDelete: Statement<unknown, [number]>;
    del: Statement<unknown, [number]>;
    search: Statement<HitRow, [string, string, PathBound, number, number]>;
    count: Statement<{ n: number }, [string, string, PathBound, number]>;
    phrase: Statement<{ id: number }, [string, number]>;
    located: Statement<Omit<RankRow, "rank"> & { text: string }, [string]>;
    rankExact: Statement<RankRow & { snippet: string }, [string, string, PathBound, number]>;
    text: Statement<{ text: string }, [number]>;
    snippetOf: Statement<{ snippet: string }, [string, number]>;
  };
  private readonly ranked: RankedSearch;
  private changesLogged = 0;
  private runner?: SearchRunner;
  private closedRunner = false;

  /**
   * readOnly: the data directory is opened read-only (the search thread's connection too).
   * background: build the ranked index in slices between searches (the search thread).
   */
  constructor(
    readonly db: Database,
    private readonly opts: { readOnly?: boolean; background?: boolean } = {},
  ) {
    const range = "f.path >= ?2 AND f.path < ?3";
    this.q = {
      insert: db.prepare("INSERT INTO passages (file_id, line_start, line_end) VALUES (?, ?, ?)"),
      ftsInsert: db.prepare("INSERT INTO passages_fts (rowid, text) VALUES (?, ?)"),
      logChange: db.prepare("INSERT INTO search_changes (file_id) VALUES (?)"),
      trimChanges: db.prepare("DELETE FROM search_changes WHERE seq <= ?"),
      ftsDelete: db.prepare(
        "DELETE FROM passages_fts WHERE rowid IN (SELECT id FROM passages WHERE file_id = ?)",
      ),
      del: db.prepare("DELETE FROM passages WHERE file_id = ?"),
      // ?2/?3: path range [prefix, prefixEnd(prefix)); the join is cheap since the
      // match is evaluated first and each hit looks up one file row by primary key.
      search: db.prepare(
        `SELECT f.path, p.line_start, p.line_end, passages_fts.rank AS rank,
                snippet(passages_fts, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', ${SNIPPET_TOKENS}) AS snippet
         FROM passages_fts
         JOIN passages p ON p.id = passages_fts.rowid
         JOIN files f ON f.id = p.file_id
         WHERE passages_fts MATCH ?1 AND ${range}
         ORDER BY passages_fts.rank, passages_fts.rowid
         LIMIT +?4 OFFSET +?5`,
      ),
      // Counting stops at ?4: past it the total is reported as a lower bound.
      count: db.prepare(
        `SELECT count(*) AS n FROM (SELECT 1 FROM passages_fts
         JOIN passages p ON p.id = passages_fts.rowid
         JOIN files f ON f.id = p.file_id
         WHERE passages_fts MATCH ?1 AND ${range} LIMIT +?4)`,
      ),
      phrase: db.prepare(
        "SELECT rowid AS id FROM passages_fts WHERE passages_fts MATCH ? LIMIT +?",
      ),
      // A page's passages with their text, in one statement (not one more per passage).
      located: db.prepare(
        `SELECT p.id, f.path, p.line_start, p.line_end, x.text FROM json_each(?1) j
         JOIN passages p ON p.id = j.value JOIN files f ON f.id = p.file_id
         JOIN passages_fts x ON x.rowid = p.id`,
      ),
      rankExact: db.prepare(
        `SELECT p.id, f.path, p.line_start, p.line_end, passages_fts.rank AS rank,
                snippet(passages_fts, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', ${SNIPPET_TOKENS}) AS snippet
         FROM passages_fts
         JOIN passages p ON p.id = passages_fts.rowid
         JOIN files f ON f.id = p.file_id
         WHERE passages_fts MATCH ?1 AND ${range}
         ORDER BY passages_fts.rank, p.id LIMIT +?4`,
      ),
      text: db.prepare("SELECT text FROM passages_fts WHERE rowid = ?"),
      // FTS5's snippet of one passage for the query's exact forms (phrases and CJK included).
      snippetOf: db.prepare(
        `SELECT snippet(passages_fts, 0, '${SNIPPET_OPEN}', '${SNIPPET_CLOSE}', '…', ${SNIPPET_TOKENS}) AS snippet
         FROM passages_fts WHERE passages_fts MATCH ?1 AND rowid = ?2`,
      ),
    };
    this.ranked = new RankedSearch(db);
  }

  index(fileId: number, _path: string, text: string): void {
    this.indexPassages(fileId, passagesForIndex(text));
  }

  /** Inserts passages already made by passagesForIndex (e.g. on an import worker thread). */
  indexPassages(fileId: number, passages: Passage[]): void {
    if (passages.length === 0) return;
    for (const p of passages) {
      const id = this.q.insert.run(fileId, p.line_start, p.line_end).lastInsertRowid as number;
      this.q.ftsInsert.run(id, p.text);
    }
    this.logChange(fileId);
  }

  remove(fileId: number): void {
    this.q.ftsDelete.run(fileId);
    this.q.del.run(fileId);
    this.logChange(fileId);
  }

  /** Tells every connection's ranked index (ranked-search.ts) to re-read this file. */
  private logChange(fileId: number): void {
    const seq = Number(this.q.logChange.run(fileId).lastInsertRowid);
    if (++this.changesLogged % 1000 === 0) this.q.trimChanges.run(seq - CHANGES_KEPT);
  }

  /**
   * search() on the search thread (search-runner.ts), stopped with a 400 query_timeout
   * after `timeoutMs` (at most MAX_SEARCH_MS): what servers use, so that no query holds
   * the request thread. A database without a file (":memory:") searches in place.
   */
  searchAsync(query: string, opts: SearchOptions, timeoutMs: number): Promise<SearchResult> {
    const file = this.db.filename;
    if (!file || file === ":memory:" || file.startsWith("file:"))
      return Promise.resolve(this.search(query, opts));
    if (this.closedRunner)
      return Promise.reject(new QuiverError(503, "shutting_down", "the server is stopping; retry"));
    this.runner ??= new SearchRunner(file, this.opts.readOnly === true);
    return this.runner.search(query, opts, timeoutMs);
  }

  /**
   * Builds the ranked index ahead of the first question (it is built from the stored
   * passages, seconds for a large store; searches meanwhile are ranked by FTS5 alone and
   * say so). Resolves when it is ready. Servers start it and do not wait; `quiver search`
   * waits, as it answers one question and should answer it well.
   */
  warmUp(): Promise<void> {
    const file = this.db.filename;
    if (!file || file === ":memory:" || file.startsWith("file:")) return Promise.resolve();
    if (this.closedRunner) return Promise.resolve();
    this.runner ??= new SearchRunner(file, this.opts.readOnly === true);
    return this.runner.warm();
  }

  /** Calls `done` once this connection's ranked index is current (the search thread). */
  whenRanked(done: () => void): void {
    const poll = () => (this.ranked.current(this.opts.background) ? done() : setTimeout(poll, 20));
    poll();
  }

  /** Stops the search thread (searches waiting on it answer 503); idempotent. */
  close(): void {
    this.runner?.close();
    this.runner = undefined;
    this.closedRunner = true;
  }

  search(query: string, opts: SearchOptions = {}): SearchResult {
    const parsed = parseQuery(query);
    const prefix = narrowestPrefix([
      ...parsed.paths,
      normalizePrefix(opts.pathPrefix, "path_prefix"),
    ]);
    if (prefix === null) return { results: [], total: 0 };
    const limit = opts.limit ?? 5;
    const offset = opts.offset ?? 0;
    // prefixEnd bounds the range so paths that continue with U+10FFFF stay in it; with no
    // bound to give (empty prefix) a BLOB stands in, as SQLite orders every TEXT before it.
    const upper = prefixEnd(prefix) ?? ABOVE_EVERY_PATH;
    try {
      if (parsed.words)
        return this.searchPlain(planPlain(parsed.words), prefix, upper, limit, offset);
      const rows = this.q.search.all(parsed.match, prefix, upper, limit, offset);
      const results = rows.map((r) => ({
        path: r.path,
        line_start: r.line_start,
        line_end: r.line_end,
        score: roundScore(-r.rank),
        snippet: unsegment(r.snippet),
      }));
      if (offset === 0 && rows.length < limit) return { results, total: rows.length };
      return withTotal(results, this.q.count.get(parsed.match, prefix, upper, TOTAL_CAP + 1)!.n);
    } catch (err) {
      // parseQuery only emits valid expressions; if FTS5 still objects, that is our bug,
      // logged here — but the caller gets a 400 without SQLite's words, never a 500.
      if (!String((err as Error)?.message).includes("fts5")) throw err;
      logError("fts5 rejected a parsed query", { query, error: err });
      throw badRequest("invalid_query", "query could not be run; simplify it or quote it");
    }
  }

  /**
   * A plain-word query: on the ranked index (ranked-query.ts), or — for prefix* terms, and
   * while that index is being built — OR-ed on FTS5 with its plain bm25, grouped by file.
   */
  private searchPlain(
    plan: SearchPlan,
    prefix: string,
    upper: PathBound,
    limit: number,
    offset: number,
  ): SearchResult {
    const ix = plan.ranked ? this.ranked.current(this.opts.background) : undefined;
    if (!ix) {
      const ftsWant = Math.min(MAX_CANDIDATES, Math.max(FTS_CANDIDATES, (offset + limit) * 4));
      const result = this.searchFts(plan, prefix, upper, limit, offset, ftsWant);
      return plan.ranked ? { ...result, ranking_warming_up: true } : result;
    }
    const phraseIds = (fts: string) => this.q.phrase.all(fts, MAX_PHRASE_PASSAGES).map((r) => r.id);
    const allowPath = prefix === "" ? undefined : (path: string) => path.startsWith(prefix);
    let want = Math.min(MAX_CANDIDATES, Math.max(MIN_CANDIDATES, (offset + limit) * 4));
    let ranked = rankPlain(ix, plan, phraseIds, want, allowPath);
    while (ranked.ids.length < offset + limit && ranked.found === want && want < MAX_CANDIDATES) {
      want = Math.min(MAX_CANDIDATES, want * 4);
      ranked = rankPlain(ix, plan, phraseIds, want, allowPath);
    }
    const pageIds = ranked.ids.slice(offset, offset + limit);
    const at = new Map(this.q.located.all(JSON.stringify(pageIds)).map((r) => [r.id, r]));
    const { candidate, matches } = wordMatcher(plan.words);
    // FTS5 marks phrases (and CJK) as one span; a plain word is marked here, in any form.
    const ftsSnippet = plan.phrases.length > 0;
    const results: SearchHit[] = [];
    pageIds.forEach((id, i) => {
      const r = at.get(id);
      if (!r) return;
      const text = r.text ?? "";
      const snippet =
        (ftsSnippet ? this.q.snippetOf.get(plan.match, id)?.snippet : undefined) ??
        snippetOf(text, candidate, matches, SNIPPET_OPEN, SNIPPET_CLOSE);
      results.push({
        path: r.path,
        line_start: r.line_start,
        line_end: r.line_end,
        score: roundScore(ranked.scores[offset + i]!),
        snippet: unsegment(snippet),
      });
    });
    // Common words only added to the passages rarer ones found: their count is a lower bound.
    if (!ranked.exact && ranked.matched <= TOTAL_CAP)
      return { results, total: ranked.matched, total_is_lower_bound: true };
    return withTotal(results, ranked.matched);
  }

  /** The FTS5 path of a plain-word query: its words OR-ed, bm25 over the passage text. */
  private searchFts(
    plan: SearchPlan,
    prefix: string,
    upper: PathBound,
    limit: number,
    offset: number,
    want: number,
  ): SearchResult {
    const rows = this.q.rankExact.all(plan.match, prefix, upper, want);
    const ranked = rows.map((r) => ({ ...r, score: -r.rank }));
    const { matches } = wordMatcher(plan.words);
    const texts = new Map<number, string>();
    const textOf = (id: number) => {
      let t = texts.get(id);
      if (t === undefined) texts.set(id, (t = this.q.text.get(id)?.text ?? ""));
      return t;
    };
    const ownMatch = (p: RankedPassage) =>
      plan.words.length === 0 || hasWord(textOf(p.id), matches);
    const page = groupByFile(ranked, ownMatch).slice(offset, offset + limit);
    const results = page.map((h) => ({
      path: h.path,
      line_start: h.line_start,
      line_end: h.line_end,
      score: roundScore(h.score),
      snippet: unsegment(h.snippet),
    }));
    if (rows.length < want) return { results, total: rows.length };
    return withTotal(results, this.q.count.get(plan.match, prefix, upper, TOTAL_CAP + 1)!.n);
  }

  /**
   * Indexes the text files listed in search_backfill — stored before the index existed
   * (migration 3), or before its stemmed fields did (migration 4) — then forgets the list.
   * `read` returns a blob's bytes. Runs at open, synchronously, so a server never answers
   * searches from a half-built index; on a new database the list is empty and this is one
   * query. Progress goes to stderr (one line a second) since a large store takes a while.
   * Each batch commits on its own: an interrupted backfill resumes where it stopped.
   */
  backfill(read: (hash: string) => Uint8Array, maxBytes: number): number {
    if (!this.db.query("SELECT 1 FROM search_backfill LIMIT 1").get()) return 0;
    const pending = this.db
      .query(
        "SELECT f.id, f.path, f.hash, f.size FROM search_backfill b JOIN files f ON f.id = b.file_id WHERE f.is_text = 1",
      )
      .all() as { id: number; path: string; hash: string; size: number }[];
    const forget = this.db.prepare("DELETE FROM search_backfill WHERE file_id = ?");
    const started = performance.now();
    let reported = started;
    if (pending.length > 0)
      logInfo("search index: indexing stored files (once, after an upgrade)", {
        files: pending.length,
      });
    let done = 0;
    for (let k = 0; k < pending.length; k += 100) {
      const slice = pending.slice(k, k + 100);
      const batch = slice.flatMap((f) => {
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
      this.replace(batch, () => {
        for (const f of slice) forget.run(f.id);
      });
      done += batch.length;
      const now = performance.now();
      if (now - reported >= 1000) {
        reported = now;
        logInfo("search index: indexing stored files", {
          done: k + slice.length,
          files: pending.length,
        });
      }
    }
    this.db.run("DELETE FROM search_backfill");
    if (pending.length > 0)
      logInfo("search index: ready", {
        files: done,
        seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
      });
    return done;
  }

  /** Replaces the passages of these files, all in one transaction. */
  replace(
    batch: { id: number; path: string; text: string }[],
    alsoInTransaction?: () => void,
  ): void {
    this.db
      .transaction(() => {
        for (const f of batch) {
          this.remove(f.id);
          this.index(f.id, f.path, f.text);
        }
        alsoInTransaction?.();
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

const WORD = /[\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]+/gu;

/** Whether any word of `text` is a query word (or a form of one). */
function hasWord(text: string, matches: (lowerWord: string) => boolean): boolean {
  for (const m of text.matchAll(WORD)) if (matches(m[0].toLowerCase())) return true;
  return false;
}

/** Significant digits, not decimals: in a small corpus bm25 can be ~1e-6, and a score
 * rounded to 0 would read as "no match". */
function roundScore(score: number): number {
  return Number(score.toPrecision(4));
}

function withTotal(results: SearchHit[], counted: number): SearchResult {
  return counted > TOTAL_CAP
    ? { results, total: TOTAL_CAP, total_is_lower_bound: true }
    : { results, total: counted };
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
