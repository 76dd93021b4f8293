/**
 * The k best of n scored items: a quickselect finds the k-th best score in O(n), and only
 * the items at or above it are sorted. (A heap of size k churned on every candidate of a
 * question with common words: items come in passage order, scores in no order at all.)
 * Returns [item, score] pairs, best first; equal scores by item, ascending.
 */
export function topK(
  items: Int32Array,
  score: (item: number) => number,
  n: number,
  k: number,
): [number, number][] {
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = score(items[i]!);
  let threshold = -Infinity;
  if (n > k) {
    const work = scores.slice();
    threshold = kthLargest(work, k);
  }
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) if (scores[i]! >= threshold) out.push([items[i]!, scores[i]!]);
  out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return out.length > k ? out.slice(0, k) : out;
}

/** The k-th largest value of `a` (1-based k ≤ a.length); reorders `a`. */
function kthLargest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  const target = k - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! > pivot) i++;
      while (a[j]! < pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target]!;
  }
  return a[target]!;
}
