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
  /**
   * Which search last touched each passage: its score, hit, named and titled are this
   * search's only where stamp[d] === epoch. A search's end is then epoch + 1, not a pass
   * clearing four arrays at every passage it touched (tens of thousands for a question).
   */
  private readonly stamp: Int32Array;
  private epoch: number;
  private readonly w1: number;
  private readonly w2: number;
  private readonly w3: number;
  // BM25's length normalisation per field: 1 - b + b * len / avg = c + m * len.
  private readonly c1: number;
  private readonly c2: number;
  private readonly c3: number;
  private readonly m1: number;
  private readonly m2: number;
  private readonly m3: number;
  private readonly k1: number;

  /**
   * `bodyNorm[d]`: passage d's body weight over its length normalisation, w / (c + m * len)
   * (bodyNorms): the one field of most postings, with its division done once per passage.
   */
  constructor(
    size: number,
    p: FieldParams,
    private readonly lens: Uint32Array,
    private readonly alive: Uint8Array,
    private readonly bodyNorm: Float64Array,
    reuse?: Scorer,
  ) {
    const big = reuse && reuse.score.length >= size;
    this.score = big ? reuse.score : new Float64Array(size);
    this.hit = big ? reuse.hit : new Int32Array(size);
    this.named = big ? reuse.named : new Int32Array(size);
    this.titled = big ? reuse.titled : new Int32Array(size);
    this.touched = big ? reuse.touched : new Int32Array(size);
    this.stamp = big ? reuse.stamp : new Int32Array(size);
    // A new epoch for each search, whether or not the last one got to reset().
    this.epoch = big ? reuse.epoch + 1 : 1;
    if (this.epoch === 0x7fffffff) {
      this.stamp.fill(0);
      this.epoch = 1;
    }
    [, this.w1, this.w2, this.w3] = p.w as [number, number, number, number];
    const c = p.b.map((b) => 1 - b);
    const m = p.b.map((b, f) => b / p.avg[f]!);
    [, this.c1, this.c2, this.c3] = c as [number, number, number, number];
    [, this.m1, this.m2, this.m3] = m as [number, number, number, number];
    this.k1 = p.k1;
  }

  /** Adds to passage d only if an earlier term found it (and it is a candidate). */
  boost(d: number, packed: number, idf: number, bit: number): void {
    if (this.stamp[d] === this.epoch) this.one(d, packed, idf, bit);
  }

  /** Scores one posting (tfs: four 8-bit field counts, body lowest) of passage d. */
  one(d: number, packed: number, idf: number, bit: number): void {
    if (this.alive[d] === 0) return;
    this.credit(d, packed, idf * this.weight(d, packed), bit);
  }

  /**
   * A posting's BM25F weight before idf: its fields' tfs, each normalised by its length,
   * saturated. Rounded to 32 bits, as the arena keeps it (impactsOf), so that a posting
   * scores the same folded or not.
   */
  weight(d: number, packed: number): number {
    const lens = this.lens;
    const at = d * 4;
    let tf = (packed & 0xff) * this.bodyNorm[d]!;
    if (packed > 0xff) {
      const t1 = (packed >>> 8) & 0xff;
      const t2 = (packed >>> 16) & 0xff;
      const t3 = packed >>> 24;
      if (t1) tf += (t1 * this.w1) / (this.c1 + this.m1 * lens[at + 1]!);
      if (t2) tf += (t2 * this.w2) / (this.c2 + this.m2 * lens[at + 2]!);
      if (t3) tf += (t3 * this.w3) / (this.c3 + this.m3 * lens[at + 3]!);
    }
    return Math.fround((tf * (this.k1 + 1)) / (tf + this.k1));
  }

  /**
   * add() for arena postings, whose weights are precomputed (`impacts`, impactsOf): the
   * walk of a common word's thousands of postings is then a multiply-add each.
   */
  addImpacts(
    docs: Uint32Array,
    tfs: Uint32Array,
    impacts: Float32Array,
    from: number,
    to: number,
    idf: number,
    bit: number,
  ): void {
    const alive = this.alive;
    const stamp = this.stamp;
    const score = this.score;
    const hit = this.hit;
    for (let i = from; i < to; i++) {
      const d = docs[i]!;
      if (alive[d] === 0) continue;
      if (stamp[d] !== this.epoch) this.touch(d);
      score[d]! += idf * impacts[i]!;
      hit[d]! |= bit;
      const packed = tfs[i]!;
      if (packed > 0xffff) {
        this.named[d]! |= bit;
        if (packed & 0xff0000) this.titled[d]! |= bit;
      }
    }
  }

  /**
   * Adds postings [from, to) only to passages an earlier term found (and still there) — by
   * a binary search per candidate when the candidates are few against the postings (both
   * are in passage order), else a walk.
   */
  boostImpacts(
    docs: Uint32Array,
    tfs: Uint32Array,
    impacts: Float32Array,
    from: number,
    to: number,
    idf: number,
    bit: number,
  ): void {
    const n = to - from;
    const stamp = this.stamp;
    const epoch = this.epoch;
    if (this.count * Math.log2(n + 1) >= n) {
      for (let i = from; i < to; i++) {
        const d = docs[i]!;
        if (stamp[d] === epoch && this.alive[d] !== 0)
          this.credit(d, tfs[i]!, idf * impacts[i]!, bit);
      }
      return;
    }
    for (let c = 0; c < this.count; c++) {
      const d = this.touched[c]!;
      if (this.alive[d] === 0) continue;
      let lo = from;
      let hi = to;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (docs[mid]! < d) lo = mid + 1;
        else hi = mid;
      }
      if (lo < to && docs[lo] === d) this.credit(d, tfs[lo]!, idf * impacts[lo]!, bit);
    }
  }

  /** Adds a posting's score s (idf included) to passage d, with the groups it holds. */
  private credit(d: number, packed: number, s: number, bit: number): void {
    if (this.stamp[d] !== this.epoch) this.touch(d);
    this.score[d]! += s;
    this.hit[d]! |= bit;
    if (packed > 0xffff) {
      this.named[d]! |= bit;
      if (packed & 0xff0000) this.titled[d]! |= bit;
    }
  }

  /** Whether this search has touched passage d. */
  has(d: number): boolean {
    return this.stamp[d] === this.epoch;
  }

  /** Makes passage d one of this search's (nothing scored yet). */
  touch(d: number): void {
    this.stamp[d] = this.epoch;
    this.score[d] = 0;
    this.hit[d] = 0;
    this.named[d] = 0;
    this.titled[d] = 0;
    this.touched[this.count++] = d;
  }

  /** Ends this search (the next Scorer starts a new epoch). */
  reset(): void {
    this.count = 0;
  }
}

/** Per document, bodyNorm for these parameters (Scorer's constructor). */
export function bodyNorms(p: FieldParams, lens: Uint32Array, docs: number): Float64Array {
  const out = new Float64Array(docs);
  const c = 1 - p.b[0]!;
  const m = p.b[0]! / p.avg[0]!;
  const w = p.w[0]!;
  for (let d = 0; d < docs; d++) out[d] = w / (c + m * lens[d * 4]!);
  return out;
}

/**
 * Per posting of the arena (docs/tfs), Scorer.weight for these parameters: made once per
 * fold, or when the fields' average lengths have moved (ranked-index.ts), not per search.
 */
export function impactsOf(
  p: FieldParams,
  lens: Uint32Array,
  alive: Uint8Array,
  norms: Float64Array,
  docs: Uint32Array,
  tfs: Uint32Array,
): Float32Array {
  const sc = new Scorer(0, p, lens, alive, norms);
  const out = new Float32Array(docs.length);
  for (let i = 0; i < docs.length; i++) out[i] = sc.weight(docs[i]!, tfs[i]!);
  return out;
}
