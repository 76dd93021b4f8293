/**
 * The inner loop of a ranked search (ranked-index.ts): BM25F of posting after posting,
 * summed per passage. Kept apart, with the four fields' parameters as plain numbers and
 * the passages touched in a typed array, so the JIT turns it into a tight loop: it is
 * where a question's time goes (~20k postings for one with a common word).
 */
export interface FieldParams {
  /** Per field (FIELDS order): weight, length normalisation b, average length. */
  w: readonly number[];
  b: readonly number[];
  avg: readonly number[];
  k1: number;
}

export class Scorer {
  score: Float64Array;
  hit: Int32Array;
  /** Per passage, the query groups it holds in its title or path (fields 2 and 3). */
  named: Int32Array;
  /** Per passage, the query groups it holds in its title (field 2). */
  titled: Int32Array;
  touched: Int32Array;
  count = 0;
  private readonly w0: number;
  private readonly w1: number;
  private readonly w2: number;
  private readonly w3: number;
  // BM25's length normalisation per field: 1 - b + b * len / avg = c + m * len.
  private readonly c0: number;
  private readonly c1: number;
  private readonly c2: number;
  private readonly c3: number;
  private readonly m0: number;
  private readonly m1: number;
  private readonly m2: number;
  private readonly m3: number;
  private readonly k1: number;

  constructor(
    size: number,
    p: FieldParams,
    private readonly lens: Uint32Array,
    private readonly alive: Uint8Array,
    reuse?: Scorer,
  ) {
    const big = reuse && reuse.score.length >= size;
    this.score = big ? reuse.score : new Float64Array(size);
    this.hit = big ? reuse.hit : new Int32Array(size);
    this.named = big ? reuse.named : new Int32Array(size);
    this.titled = big ? reuse.titled : new Int32Array(size);
    this.touched = big ? reuse.touched : new Int32Array(size);
    [this.w0, this.w1, this.w2, this.w3] = p.w as [number, number, number, number];
    const c = p.b.map((b) => 1 - b);
    const m = p.b.map((b, f) => b / p.avg[f]!);
    [this.c0, this.c1, this.c2, this.c3] = c as [number, number, number, number];
    [this.m0, this.m1, this.m2, this.m3] = m as [number, number, number, number];
    this.k1 = p.k1;
  }

  /** Postings [from, to) of `docs`/`tfs` (tfs: four 8-bit field counts, body lowest). */
  add(
    docs: Uint32Array,
    tfs: Uint32Array,
    from: number,
    to: number,
    idf: number,
    bit: number,
  ): void {
    for (let i = from; i < to; i++) this.one(docs[i]!, tfs[i]!, idf, bit);
  }

  /** Adds to passage d only if an earlier term found it (and it is a candidate). */
  boost(d: number, packed: number, idf: number, bit: number): void {
    if (this.hit[d] !== 0) this.one(d, packed, idf, bit);
  }

  /**
   * boost() for the postings [from, to) — by a binary search per candidate when the
   * candidates are few against the postings (both are in passage order), else a walk.
   */
  boostFrom(
    docs: Uint32Array,
    tfs: Uint32Array,
    from: number,
    to: number,
    idf: number,
    bit: number,
  ): void {
    const n = to - from;
    if (this.count * Math.log2(n + 1) >= n) {
      for (let i = from; i < to; i++)
        if (this.hit[docs[i]!] !== 0) this.one(docs[i]!, tfs[i]!, idf, bit);
      return;
    }
    for (let c = 0; c < this.count; c++) {
      const d = this.touched[c]!;
      let lo = from;
      let hi = to;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (docs[mid]! < d) lo = mid + 1;
        else hi = mid;
      }
      if (lo < to && docs[lo] === d) this.one(d, tfs[lo]!, idf, bit);
    }
  }

  one(d: number, packed: number, idf: number, bit: number): void {
    if (this.alive[d] === 0) return;
    const lens = this.lens;
    const at = d * 4;
    let tf = ((packed & 0xff) * this.w0) / (this.c0 + this.m0 * lens[at]!);
    if (packed > 0xff) {
      const t1 = (packed >>> 8) & 0xff;
      const t2 = (packed >>> 16) & 0xff;
      const t3 = packed >>> 24;
      if (t1) tf += (t1 * this.w1) / (this.c1 + this.m1 * lens[at + 1]!);
      if (t2) tf += (t2 * this.w2) / (this.c2 + this.m2 * lens[at + 2]!);
      if (t3) tf += (t3 * this.w3) / (this.c3 + this.m3 * lens[at + 3]!);
    }
    if (this.hit[d] === 0) this.touched[this.count++] = d;
    this.score[d]! += (idf * tf * (this.k1 + 1)) / (tf + this.k1);
    this.hit[d]! |= bit;
    if (packed > 0xffff) {
      this.named[d]! |= bit;
      if (packed & 0xff0000) this.titled[d]! |= bit;
    }
  }

  /** Clears what this search touched, for the next one. */
  reset(): void {
    for (let i = 0; i < this.count; i++) {
      const d = this.touched[i]!;
      this.score[d] = 0;
      this.hit[d] = 0;
      this.named[d] = 0;
      this.titled[d] = 0;
    }
    this.count = 0;
  }
}
