import { describe, expect, test } from "bun:test";
import { topK } from "../src/store/top-k.ts";

// The selection a ranked search's candidates go through (ranked-index.ts): it must give
// what sorting all of them would, ties included, whatever order they come in.
describe("topK", () => {
  const select = (scores: number[], k: number) => {
    const items = Int32Array.from(scores.map((_, i) => 1000 - i));
    return topK(
      items,
      Float64Array.from(scores),
      scores.length,
      k,
      new Float64Array(k),
      new Int32Array(k),
    );
  };
  const bySorting = (scores: number[], k: number) =>
    scores
      .map((s, i) => [1000 - i, s] as [number, number])
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, k);

  test("the k best of many, best first, equal scores by item ascending", () => {
    // Few distinct values: most of the k best tie with others outside the k.
    let seed = 7;
    const scores = Array.from({ length: 900 }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % 40;
    });
    for (const k of [1, 5, 50]) expect(select(scores, k)).toEqual(bySorting(scores, k));
  });

  test("fewer items than k: all of them, in order", () => {
    expect(select([2, 9, 4], 10)).toEqual([
      [999, 9],
      [998, 4],
      [1000, 2],
    ]);
  });
});
