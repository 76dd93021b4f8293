import { readFileSync } from "node:fs";

/**
 * Relevance scoring as ../shared/corpus/queries/README.md defines it: results are
 * deduplicated by path in rank order, a path matches when it ends with an expected path;
 * MRR@10, success@1, success@10 and the share of queries with no result at all.
 */
export interface Judged {
  query: string;
  expected: string[];
}

export function loadQuerySet(file: string): Judged[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => {
      const [query, ...expected] = l.split("\t");
      return { query: query!, expected };
    });
}

export interface Quality {
  mrr10: number;
  success1: number;
  success10: number;
  zero: number;
}

/** `ranked[i]` is the ranked result paths for `set[i]`. */
export function scoreRuns(set: readonly Judged[], ranked: readonly string[][]): Quality {
  let mrr = 0;
  let s1 = 0;
  let s10 = 0;
  let zero = 0;
  set.forEach((q, i) => {
    const paths = [...new Set(ranked[i])];
    if (paths.length === 0) zero++;
    const rank = paths
      .slice(0, 10)
      .findIndex((p) => q.expected.some((e) => p === e || p.endsWith(`/${e}`)));
    if (rank >= 0) {
      mrr += 1 / (rank + 1);
      if (rank === 0) s1++;
      s10++;
    }
  });
  const n = set.length || 1;
  return { mrr10: mrr / n, success1: s1 / n, success10: s10 / n, zero: zero / n };
}
