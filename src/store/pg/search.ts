import type { SQL } from "bun";
import { QuiverError } from "../../errors.ts";
import type { Index } from "../interfaces/search.ts";
import { normalizePrefix } from "../paths.ts";
import { parseQuery } from "../query.ts";
import {
  MAX_CANDIDATES,
  type SearchOptions,
  type SearchResult,
  SNIPPET_CLOSE,
  SNIPPET_OPEN,
  TOTAL_CAP,
} from "../search.ts";
import { MAX_SEARCH_MS } from "../search-runner.ts";
import { unsegment } from "../search-text.ts";
import { indexText, removePassages } from "./passages.ts";
import { num } from "./rows.ts";
import { estimatedRows, type PgPlan, planQuery } from "./search-plan.ts";
import { type Candidate, type FileStats, rankFiles } from "./search-rank.ts";
import { plainSnippets } from "./snippets.ts";
import { TS_CONFIG } from "./tsquery.ts";

const HEADLINE = `StartSel=${SNIPPET_OPEN}, StopSel=${SNIPPET_CLOSE}, MaxWords=24, MinWords=10, MaxFragments=1, FragmentDelimiter=…`;
/**
 * Candidate passages ranked by SQL for a page near the top (as SQLite's MIN_CANDIDATES):
 * enough for the file ranking; a page they do not fill is ranked again from more.
 */
const MIN_CANDIDATES = 50;

/**
 * The search index in PostgreSQL (rows written by passages.ts): a row per passage with one
 * weighted tsvector under a GIN index. Queries come from quiver's own parser (query.ts),
 * built into tsquery by tsquery.ts with every user word bound as a parameter. SQL picks
 * and scores candidate passages (search-plan.ts); search-rank.ts ranks their files as
 * SQLite does. Every search runs under a statement_timeout.
 */
export class PgSearchIndex implements Index {
  constructor(private readonly sql: SQL) {}

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
        // A search's cost is all in its words: a plan made without seeing them (the generic
        // plan of a statement prepared five times) scans every passage. Plan each one anew.
        await tx.unsafe("SET LOCAL plan_cache_mode = force_custom_plan");
        const plan = await planQuery(tx, parsed, prefix);
        if (!plan) return { results: [], total: 0 };
        const { q, score, params } = plan;
        const candidates = async (want: number): Promise<Candidate[]> => {
          const rows = await tx.unsafe(
            // Scored and cut first; the title and the own-text test only for what is kept.
            `WITH q AS (SELECT ${q} AS q),
             top AS (
               SELECT p.id, p.file_id, f.path, p.line_start, p.line_end, ${score} AS score
               FROM passages p JOIN files f ON f.id = p.file_id, q
               WHERE ${where}
               ORDER BY score DESC, p.id
               LIMIT ${want})
             SELECT top.id, top.file_id, top.path, top.line_start, top.line_end, top.score, t.title,
               ts_filter(p.doc, '{b,c,d}') @@ q.q AS own
             FROM top JOIN passages p ON p.id = top.id
               LEFT JOIN search_titles t ON t.file_id = top.file_id, q
             ORDER BY top.score DESC, top.id`,
            params,
          );
          return rows.map((r: Record<string, unknown>) => ({
            id: num(r.id),
            fileId: num(r.file_id),
            path: String(r.path),
            line_start: num(r.line_start),
            line_end: num(r.line_end),
            title: r.title == null ? null : String(r.title),
            score: num(r.score),
            own: Boolean(r.own),
          }));
        };
        let want = Math.min(MAX_CANDIDATES, Math.max(MIN_CANDIDATES, (offset + limit) * 4));
        const terms = plan.terms ?? [];
        const stats = new Map<number, FileStats>();
        let avgPassages = 1;
        const rank = async (found: Candidate[]) => {
          const more = [...new Set(found.map((c) => c.fileId))].filter((id) => !stats.has(id));
          if (terms.length > 0 && more.length > 0)
            avgPassages = await fileStats(tx, plan, more, stats);
          return rankFiles(found, terms, stats, avgPassages);
        };
        let found = await candidates(want);
        let ranked = await rank(found);
        while (ranked.length < offset + limit && found.length === want && want < MAX_CANDIDATES) {
          want = Math.min(MAX_CANDIDATES, want * 4);
          found = await candidates(want);
          ranked = await rank(found);
        }
        const page = ranked.slice(offset, offset + limit);
        const snippets = new Map<number, string>();
        const plain = plainSnippets(parsed);
        if (page.length > 0) {
          const ids = page.map((c) => c.id);
          const rows = plain
            ? await tx`SELECT id, body FROM passages WHERE id = ANY(${tx.array(ids, "INT8")})`
            : await tx.unsafe(
                // The match alone, with its own values ($1, the path prefix, only typed).
                `WITH q AS (SELECT ${plan.count.q} AS q, $1::text AS prefix)
                 SELECT p.id, ts_headline('${TS_CONFIG}', p.body, q.q, '${HEADLINE}') AS snippet
                 FROM passages p, q WHERE p.id = ANY($${plan.count.params.length + 1}::bigint[])`,
                [...plan.count.params, ids],
              );
          for (const r of rows)
            snippets.set(num(r.id), plain ? plain(String(r.body)) : String(r.snippet));
        }
        const results = page.map((c) => ({
          path: c.path,
          line_start: c.line_start,
          line_end: c.line_end,
          score: Number(c.score.toPrecision(4)),
          snippet: unsegment(snippets.get(c.id) ?? ""),
        }));
        if (found.length < want && !plan.partial) return { results, total: found.length };
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
        await removePassages(tx, f.id);
        await indexText(tx, f.id, f.path, f.text);
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

/**
 * Fills `into` with the whole-file counts of these files (search-rank.ts): their passages,
 * and per query word how many of them hold it in their own text (headings or body; the
 * path and title are weighed apart). Returns the average passages per file.
 */
async function fileStats(
  tx: SQL,
  plan: PgPlan,
  fileIds: number[],
  into: Map<number, FileStats>,
): Promise<number> {
  const holding = plan.terms!.map(
    (t) => `count(*) FILTER (WHERE ts_filter(p.doc, '{b,c,d}') @@ ${t.sql})::int`,
  );
  const rows = await tx.unsafe(
    `SELECT p.file_id, count(*)::int AS n, ARRAY[${holding.join(", ")}] AS holding,
       ${estimatedRows("search_titles")} AS files
     FROM passages p
     WHERE p.file_id = ANY($${plan.params.length + 1}::bigint[]) AND $1::text IS NOT NULL
     GROUP BY p.file_id`,
    [...plan.params, fileIds],
  );
  let files = 0;
  for (const r of rows) {
    into.set(num(r.file_id), { passages: num(r.n), holding: (r.holding as unknown[]).map(num) });
    files = num(r.files);
  }
  return files > 0 && plan.passages ? plan.passages / files : 1;
}
