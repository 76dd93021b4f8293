import type { SQL } from "bun";
import type { ParsedQuery } from "../query.ts";
import { num } from "./rows.ts";
import { tsquerySql } from "./tsquery.ts";

/** ts_rank weights for {D, C, B, A}: body, (unused), headings, path and title. */
export const WEIGHTS = "'{0.1, 0.2, 0.4, 1.0}'";

/**
 * SQL for the rows of a search table as the planner estimates them (no scan per search),
 * counted while the table has never been analysed (right after an import): read as zero,
 * the ranking's statistics would change once autovacuum came along.
 */
export const estimatedRows = (table: "passages" | "search_titles") =>
  `(SELECT CASE WHEN reltuples > 0 THEN reltuples::float8
      ELSE (SELECT count(*) FROM ${table})::float8 END FROM pg_class WHERE relname = '${table}')`;
/** A word in at least this many passages is common: it ranks, but does not pick candidates. */
const COMMON = 3000;

/** What to match (`q`), how to score a match (`score`, over `p.doc`), and the bound values. */
export interface PgPlan {
  q: string;
  score: string;
  params: unknown[];
  /** `q` alone with its own values (for the count, which does not score). */
  count: { q: string; params: unknown[] };
  /** Common words were left out of the match: passages holding only those are not counted. */
  partial: boolean;
  /** Plain words only: each word's tsquery (over `params`), its text and its IDF. */
  terms?: { sql: string; text: string; idf: number }[];
  /** Passages in all (for the IDFs) when `terms` is set. */
  passages?: number;
}

/**
 * The SQL for a parsed query; `params[0]` is the path prefix. A query with operators,
 * phrases only or one word matches as written, ranked by ts_rank. Plain words (a question)
 * are BM25-like: each word found in a passage adds its IDF (from a capped count of the
 * passages holding it, one probe per query) times (0.5 + its field-weighted ts_rank_cd),
 * so rare words decide and a title match beats a body match. (On the dev query sets,
 * ts_rank_cd over ts_rank: questions MRR@10 0.708 -> 0.785, keywords 0.892 -> 0.881.) Passages holding only common
 * words are not candidates (they would cost a scan and rank last anyway); undefined when
 * no passage holds any of the words.
 */
export async function planQuery(
  tx: SQL,
  parsed: ParsedQuery,
  prefix: string,
): Promise<PgPlan | undefined> {
  const words = parsed.words && parsed.words.length > 1 ? parsed.words : undefined;
  if (!words) {
    const params: unknown[] = [prefix];
    const q = tsquerySql(parsed.tree, params);
    const score = `ts_rank(${WEIGHTS}, p.doc, q.q, 1)`;
    return { q, score, params, count: { q, params }, partial: false };
  }
  const probe: unknown[] = [];
  const counts = words.map(
    (w) =>
      `(SELECT count(*) FROM (SELECT 1 FROM passages WHERE doc @@ ${tsquerySql({ k: "term", ...w }, probe)} LIMIT ${COMMON}) x)::int`,
  );
  const [row] = await tx.unsafe(
    `SELECT ARRAY[${counts.join(", ")}] AS df,
       ${estimatedRows("passages")} AS n`,
    probe,
  );
  const df = (row.df as unknown[]).map(num);
  const total = Math.max(num(row.n), ...df, 1);
  const params: unknown[] = [prefix];
  const terms = words.flatMap((w, i) =>
    df[i]! > 0
      ? [
          {
            word: w,
            sql: tsquerySql({ k: "term", ...w }, params),
            idf: Math.max(0.01, Math.log(1 + (total - df[i]! + 0.5) / (df[i]! + 0.5))),
            common: df[i]! >= COMMON,
          },
        ]
      : [],
  );
  if (terms.length === 0) return undefined;
  const rare = terms.filter((t) => !t.common);
  const pick = rare.length ? rare : terms;
  const score = terms
    .map(
      (t) =>
        `${t.idf.toFixed(4)} * CASE WHEN p.doc @@ ${t.sql} THEN 0.5 + ts_rank_cd(${WEIGHTS}, p.doc, ${t.sql}, 1) ELSE 0 END`,
    )
    .join(" + ");
  const countParams: unknown[] = [prefix];
  const countQ = pick.map((t) => tsquerySql({ k: "term", ...t.word }, countParams)).join(" || ");
  return {
    q: `(${pick.map((t) => t.sql).join(" || ")})`,
    score,
    params,
    count: { q: `(${countQ})`, params: countParams },
    partial: pick.length < terms.length,
    terms: terms.map((t) => ({ sql: t.sql, text: t.word.text, idf: t.idf })),
    passages: total,
  };
}
