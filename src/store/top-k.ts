/**
 * The k best of n scored items, best first (equal scores by item, ascending), through a
 * min-heap of the k best so far: items come in passage order, scores in no order, so
 * after the first k an item beats the heap's worst — and costs a sift — only ~k·ln(n/k)
 * times; the rest cost one comparison. (A copy of the n scores for a quickselect touched
 * each of a question's tens of thousands of candidates two or three times more.)
 * `scores[i]` is item i's; `heapScores`/`heapItems` are scratch of at least k (the
 * caller's, reused).
 */
export function topK(
  items: Int32Array,
  scores: Float64Array,
  n: number,
  k: number,
  heapScores: Float64Array,
  heapItems: Int32Array,
): [number, number][] {
  let size = 0;
  for (let j = 0; j < n; j++) {
    const s = scores[j]!;
    const it = items[j]!;
    if (size < k) {
      // Sift up: the root is the worst kept (lowest score; on a tie, the higher item).
      let p = size++;
      while (p > 0) {
        const q = (p - 1) >> 1;
        if (!worse(s, it, heapScores[q]!, heapItems[q]!)) break;
        heapScores[p] = heapScores[q]!;
        heapItems[p] = heapItems[q]!;
        p = q;
      }
      heapScores[p] = s;
      heapItems[p] = it;
      continue;
    }
    if (!worse(heapScores[0]!, heapItems[0]!, s, it)) continue;
    // Replaces the worst, sifting down.
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      if (l >= k) break;
      const r = l + 1;
      const c =
        r < k && worse(heapScores[r]!, heapItems[r]!, heapScores[l]!, heapItems[l]!) ? r : l;
      if (!worse(heapScores[c]!, heapItems[c]!, s, it)) break;
      heapScores[p] = heapScores[c]!;
      heapItems[p] = heapItems[c]!;
      p = c;
    }
    heapScores[p] = s;
    heapItems[p] = it;
  }
  const out: [number, number][] = [];
  for (let j = 0; j < size; j++) out.push([heapItems[j]!, heapScores[j]!]);
  return out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
}

/** Whether (s1, i1) ranks below (s2, i2). */
function worse(s1: number, i1: number, s2: number, i2: number): boolean {
  return s1 < s2 || (s1 === s2 && i1 > i2);
}
