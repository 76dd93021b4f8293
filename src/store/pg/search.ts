import type { SQL } from "bun";
import { QuiverError } from "../../errors.ts";
import type { Passage } from "../chunk.ts";
import { passagesForIndex } from "../index-passages.ts";
import type { Index } from "../interfaces/search.ts";
import { passageFields } from "../passage-fields.ts";
import { normalizePrefix } from "../paths.ts";
import { parseQuery } from "../query.ts";
import {
  type SearchHit,
  type SearchOptions,
  type SearchResult,
  SNIPPET_CLOSE,
  SNIPPET_OPEN,
  TOTAL_CAP,
} from "../search.ts";
import { MAX_SEARCH_MS } from "../search-runner.ts";
import { unsegment } from "../search-text.ts";
import { num } from "./rows.ts";
import { planQuery } from "./search-plan.ts";
import { pathWords, TS_CONFIG } from "./tsquery.ts";

const HEADLINE = `StartSel=${SNIPPET_OPEN}, StopSel=${SNIPPET_CLOSE}, MaxWords=24, MinWords=10, MaxFragments=1, FragmentDelimiter=…`;

/** PostgreSQL text values cannot hold NUL; the index has no use for control characters. */
const clean = (s: string) => s.replace(/\u0000/g, " ");

/**
 * The search index in PostgreSQL: a row per passage with one weighted tsvector — A: its
 * file's path and title, B: the headings above it, D: its body — under a GIN index.
 * Queries come from quiver's own parser (query.ts), built into tsquery by tsquery.ts with
 * every user word bound as a parameter. A query with operators must match as written; a
 * query of plain words matches passages with any of them, ranked first by how many of the
 * words they hold, then by ts_rank. Every search runs under a statement_timeout.
 */
export class PgSearchIndex implements Index {
  constructor(private readonly sql: SQL) {}

  /** Inside the caller's transaction: the passages of a file's text. */
  static async index(tx: SQL, fileId: number, path: string, text: string): Promise<void> {
    await PgSearchIndex.indexPassages(tx, fileId, path, passagesForIndex(text));
  }

  static async indexPassages(
    tx: SQL,
    fileId: number,
    path: string,
    passages: Passage[],
  ): Promise<void> {
    if (passages.length === 0) return;
    const { title, headings } = passageFields(passages);
    const rows = passages.map((p, i) => ({
      ls: p.line_start,
      le: p.line_end,
      body: clean(p.text),
      heads: clean(headings[i] ?? ""),
    }));
    const head = clean(`${pathWords(path)} ${title}`);
    await tx.unsafe(
      `INSERT INTO passages (file_id, line_start, line_end, body, doc)
       SELECT $1::bigint, x.ls, x.le, x.body,
         setweight(to_tsvector('${TS_CONFIG}', $2::text), 'A') ||
         setweight(to_tsvector('${TS_CONFIG}', x.heads), 'B') ||
         setweight(to_tsvector('${TS_CONFIG}', x.body), 'D')
       FROM jsonb_to_recordset($3::text::jsonb) AS x(ls int, le int, body text, heads text)`,
      [fileId, head, JSON.stringify(rows)],
    );
  }

  static async remove(tx: SQL, fileId: number): Promise<void> {
    await tx`DELETE FROM passages WHERE file_id = ${fileId}`;
  }

  async searchAsync(query: string, opts: SearchOptions, timeoutMs: number): Promise<SearchResult> {
    const parsed = parseQuery(query);
    const prefixes = [...parsed.paths, normalizePrefix(opts.pathPrefix, "path_prefix")];
    let prefix = "";
    for (const p of prefixes) {
      if (p.startsWith(prefix)) prefix = p;
      else if (!prefix.startsWith(p)) return { results: [], total: 0 };
    }
    // Integers (the tool's schema says so); written into the SQL, so made sure of here.
    const limit = Math.max(1, Math.trunc(Number(opts.limit ?? 5)));
    const offset = Math.max(0, Math.trunc(Number(opts.offset ?? 0)));
    const where = `p.doc @@ q.q AND starts_with(f.path, $1)`;
    const ms = Math.max(1, Math.min(timeoutMs, MAX_SEARCH_MS));
    try {
      return await this.sql.begin(async (tx) => {
        await tx.unsafe(`SET LOCAL statement_timeout = ${Math.round(ms)}`);
        const plan = await planQuery(tx, parsed, prefix);
        if (!plan) return { results: [], total: 0 };
        const { q, score, params } = plan;
        const rows = await tx.unsafe(
          `WITH q AS (SELECT ${q} AS q),
           page AS (
             SELECT p.id, f.path, p.line_start, p.line_end, p.body, ${score} AS score
             FROM passages p JOIN files f ON f.id = p.file_id, q
             WHERE ${where}
             ORDER BY score DESC, p.id
             LIMIT ${limit} OFFSET ${offset})
           SELECT page.*, ts_headline('${TS_CONFIG}', page.body, q.q, '${HEADLINE}') AS snippet
           FROM page, q ORDER BY score DESC, id`,
          params,
        );
        const results: SearchHit[] = rows.map((r: Record<string, unknown>) => ({
          path: String(r.path),
          line_start: num(r.line_start),
          line_end: num(r.line_end),
          score: Number(num(r.score).toPrecision(4)),
          snippet: unsegment(String(r.snippet)),
        }));
        if (offset === 0 && results.length < limit) return { results, total: results.length };
        const [c] = await tx.unsafe(
          `WITH q AS (SELECT ${plan.count.q} AS q)
           SELECT count(*) AS n FROM (SELECT 1 FROM passages p JOIN files f ON f.id = p.file_id, q
             WHERE ${where} LIMIT ${TOTAL_CAP + 1}) x`,
          plan.count.params,
        );
        const counted = num(c.n);
        // Passages holding only common words were not counted (see planQuery).
        if (plan.partial && counted <= TOTAL_CAP)
          return { results, total: counted, total_is_lower_bound: true };
        return counted > TOTAL_CAP
          ? { results, total: TOTAL_CAP, total_is_lower_bound: true }
          : { results, total: counted };
      });
    } catch (err) {
      if ((err as { errno?: string }).errno === "57014")
        throw new QuiverError(
          400,
          "query_timeout",
          `the search took longer than ${ms} ms and was stopped; use rarer words, fewer prefix* terms or a path: filter`,
        );
      throw err;
    }
  }

  async warmUp(): Promise<void> {}

  async replace(batch: { id: number; path: string; text: string }[]): Promise<void> {
    await this.sql.begin(async (tx) => {
      for (const f of batch) {
        await PgSearchIndex.remove(tx, f.id);
        await PgSearchIndex.index(tx, f.id, f.path, f.text);
      }
    });
  }

  async dropOrphans(): Promise<number> {
    // passages.file_id references files ON DELETE CASCADE: there are none.
    return 0;
  }

  async passageCount(): Promise<number> {
    const [r] = await this.sql`SELECT count(*) AS n FROM passages`;
    return num(r.n);
  }

  close(): void {}
}
