import type { QueryWord } from "./query.ts";
import { isStopword } from "./stopwords.ts";
import type { TermStats } from "./term-stats.ts";

/**
 * How a plain-word query (no operators) is run: agents ask questions ("how are spinlocks
 * used in interrupt handlers"), and a file rarely holds every word of one. So the words
 * are OR-ed and BM25 ranks passages that match more of them, and rarer ones, first; a
 * question never comes back empty because one word is missing.
 *
 * - Stopwords are dropped (unless the query is nothing else); quoted phrases stay whole.
 * - Without a prefix* term the query runs on the stemmed four-field index (passages_stem:
 *   `sorting` finds `sort`); with one, on the unstemmed body index, because a stemmed
 *   index cannot answer a prefix (`decorat*` against "decor").
 * - Cost: an OR query costs every posting of every word it holds, and BM25 then scores
 *   each match. The most common words (thousands of passages each) add most of that cost
 *   and the least information (their idf is small), so past DF_BUDGET postings the most
 *   common words are left out of the match; the rarer ones still find the passages.
 */
export interface SearchPlan {
  table: "stem" | "exact";
  match: string;
  /** The same terms OR-ed for the unstemmed index, all of them (snippets). */
  exactMatch: string;
  /** Lower-case single words, for the exact-form bonus and snippets. */
  words: string[];
}

/** Words OR-ed at most (the longest questions stay cheap). */
export const MAX_PLAIN_TERMS = 16;
/**
 * Postings one query may walk before common words are left out. Measured on the 73k
 * passages of the benchmark corpus (bench/search-quality.ts): 30k keeps question MRR
 * within 0.01 of no limit, and bounds the worst plain query to a few tens of ms.
 */
export const DF_BUDGET = 30_000;

const SINGLE_TOKEN = /^[\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]+$/u;
const PARTS = /[\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]+/gu;

export function planPlain(words: readonly QueryWord[], stats: TermStats): SearchPlan {
  const table = words.some((w) => w.prefix) ? "exact" : "stem";
  const meaningful = words.filter(
    (w) => w.quoted || w.prefix || !(w.text.match(PARTS) ?? []).every(isStopword),
  );
  const kept = dedupe(meaningful.length > 0 ? meaningful : words).slice(0, MAX_PLAIN_TERMS);
  const single = kept
    .filter((w) => !w.quoted && !w.prefix && SINGLE_TOKEN.test(w.text))
    .map((w) => w.text.normalize("NFC").toLowerCase());
  let chosen = kept;
  if (table === "stem" && kept.length > 2) {
    // Rarest first; phrases, prefixes and compounds count as rare (they are specific).
    const cost = (w: QueryWord) =>
      !w.quoted && !w.prefix && SINGLE_TOKEN.test(w.text)
        ? stats.df(stats.stem(w.text.normalize("NFC").toLowerCase()))
        : 0;
    const byCost = kept.map((w) => ({ w, df: cost(w) })).sort((a, b) => a.df - b.df);
    let sum = 0;
    const take = new Set<QueryWord>();
    for (const { w, df } of byCost) {
      if (take.size >= 2 && sum + df > DF_BUDGET) break;
      take.add(w);
      sum += df;
    }
    chosen = kept.filter((w) => take.has(w));
  }
  return {
    table,
    match: chosen.map((w) => w.fts).join(" OR "),
    exactMatch: kept.map((w) => w.fts).join(" OR "),
    words: [...new Set(single)],
  };
}

function dedupe(words: readonly QueryWord[]): QueryWord[] {
  const seen = new Set<string>();
  return words.filter((w) => {
    const key = `${w.fts.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
