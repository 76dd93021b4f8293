/**
 * Proximity for the ranked index (ranked-index.ts): where in a passage's body each term
 * occurs, coarsely — 32 equal segments of the body, one bit each (a body of up to 32
 * words: a bit per word) — so that a passage holding the query's words together ranks
 * above one holding them scattered. Four words copied from one line of a file should
 * find that line's passage; a question's words near each other are about one thing.
 * A bitmask per posting, not positions: 4 bytes where a position list costs 2 per
 * occurrence plus an offset, and the check is a few AND-s per candidate.
 */
export const SEGMENTS = 32;

/** Words per segment for a body of `len` words. */
export function segmentWords(len: number): number {
  return Math.max(1, Math.ceil(len / SEGMENTS));
}

/**
 * The most query groups found within two neighbouring segments (a window of 1–2
 * segments, so words either side of a boundary still count as together), given each
 * group's segment mask.
 */
export function groupsTogether(masks: readonly number[]): number {
  let any = 0;
  for (const m of masks) any |= m;
  let best = 0;
  for (let v = any >>> 0; v !== 0; v &= v - 1) {
    const low = v & -v;
    const pair = low | (low << 1);
    let c = 0;
    for (const m of masks) if (m & pair) c++;
    if (c > best) best = c;
  }
  return best;
}

/** The span mask of passage `d` in the postings [from, to) (sorted by passage), else 0. */
export function spanIn(
  docs: Uint32Array,
  spans: Uint32Array,
  from: number,
  to: number,
  d: number,
): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (docs[mid]! < d) lo = mid + 1;
    else hi = mid;
  }
  return lo < to && docs[lo] === d ? spans[lo]! : 0;
}
