/**
 * The k best of n scored items: a quickselect finds the k-th best score in O(n), and only
 * the items at or above it are sorted. (A heap of size k churned on every candidate of a
 * question with common words: items come in passage order, scores in no order at all.)
 * `scores[i]` is item i's; `work` is scratch of at least n (the caller's, reused: a
 * question touches tens of thousands of passages, and two arrays that size per search
 * were a good part of its cost). Returns [item, score] pairs, best first; equal scores
 * by item, ascending.
 */
export function topK(
  items: Int32Array,
  scores: Float64Array,
  n: number,
  k: number,
  work: Float64Array,
): [number, number][] {
  let threshold = -Infinity;
  if (n > k) {
    work.set(scores.subarray(0, n));
    threshold = kthLargest(work, n, k);
  }
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) if (scores[i]! >= threshold) out.push([items[i]!, scores[i]!]);
  out.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  return out.length > k ? out.slice(0, k) : out;
}

/** The k-th largest of a[0, n) (1-based k ≤ n); reorders them. */
function kthLargest(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
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
