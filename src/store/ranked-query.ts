import type { TermQuery } from "./ranked-index.ts";
import type { RankedIndexes } from "./ranked-load.ts";
import type { SearchPlan } from "./search-plan.ts";
import { MAX_PASSAGES_PER_FILE, SUPPORT_WEIGHT } from "./search-rank.ts";

/**
 * A plain-word query on the ranked indexes: candidate passages by BM25F, then files.
 * A file scores as its best passage, plus SUPPORT_WEIGHT of its next one, plus
 * FILE_WEIGHT times the score of the file as a whole — a file about the subject
 * mentions it throughout, where a passage that happens to hold the words is one hit
 * (dev sets: questions MRR@10 0.76 → 0.80 with it). Each file shows at most
 * MAX_PASSAGES_PER_FILE passages, its best first.
 */
const FILE_WEIGHT = 1;
/** Weight of the share of the query's words a passage (or file) holds (ranked-index.ts). */
export const COORD = 0.6;
/**
 * Postings one query may score before its most common words are left out: bounds the
 * worst question (16 common words) to a few ms; the rarer words still find the passages.
 */
export const POSTINGS_BUDGET = 50_000;

export interface RankedPage {
  /** passages.id, in page order. */
  ids: number[];
  scores: number[];
  /** Passages matching any word, for `total` (a lower bound unless `exact`). */
  matched: number;
  exact: boolean;
  /** Candidate passages ranked (at most the `candidates` asked for). */
  found: number;
}

export function rankPlain(
  ix: RankedIndexes,
  plan: SearchPlan,
  phraseIds: (fts: string) => number[],
  candidates: number,
  allowPath?: (path: string) => boolean,
): RankedPage {
  const terms: TermQuery[] = withinBudget(ix, plan.terms);
  for (const p of plan.phrases)
    terms.push({ term: p.fts, weight: 1, group: p.group, ids: phraseIds(p.fts) });
  const allowFile = allowPath
    ? (fileId: number) => allowPath(ix.passages.paths.get(fileId) ?? "")
    : undefined;
  const { top, matched, exact } = ix.passages.search(
    terms,
    plan.groups,
    candidates,
    COORD,
    allowFile,
  );
  const whole = ix.files.scoreFiles(terms, plan.groups, COORD, [
    ...new Set(top.map((p) => p.fileId)),
  ]);
  const files = new Map<number, { score: number; hits: typeof top }>();
  for (const p of top) {
    let f = files.get(p.fileId);
    if (!f)
      files.set(p.fileId, (f = { score: FILE_WEIGHT * (whole.get(p.fileId) ?? 0), hits: [] }));
    if (f.hits.length >= MAX_PASSAGES_PER_FILE) continue;
    f.score += f.hits.length === 0 ? p.score : SUPPORT_WEIGHT * p.score;
    f.hits.push(p);
  }
  const page = [...files.values()].sort((a, b) => b.score - a.score).flatMap((f) => f.hits);
  return {
    ids: page.map((p) => p.id),
    scores: page.map((p) => p.score),
    matched,
    exact,
    found: top.length,
  };
}

/** The terms, less the most common words once their postings pass POSTINGS_BUDGET (2 kept at least). */
function withinBudget(ix: RankedIndexes, terms: readonly TermQuery[]): TermQuery[] {
  const groupDf = new Map<number, number>();
  for (const t of terms) groupDf.set(t.group, (groupDf.get(t.group) ?? 0) + ix.passages.df(t.term));
  const byDf = [...groupDf].sort((a, b) => a[1] - b[1]);
  const keep = new Set<number>();
  let sum = 0;
  for (const [group, df] of byDf) {
    if (keep.size >= 2 && sum + df > POSTINGS_BUDGET) break;
    keep.add(group);
    sum += df;
  }
  return terms.filter((t) => keep.has(t.group));
}
