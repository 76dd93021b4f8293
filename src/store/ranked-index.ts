import { groupsTogether, lowerBound, segmentWords } from "./ranked-proximity.ts";
import { bodyNorms, type FieldParams, impactsOf, Scorer } from "./ranked-scorer.ts";
import { EXACT, type TermDictionary } from "./search-terms.ts";
import { topK } from "./top-k.ts";

/**
 * The ranked index for plain-word queries (issue 14): per-term posting lists held in
 * memory by the process that searches (the search thread), each posting a passage and its
 * term frequencies in four fields — the file's path, its title, the section headings above
 * the passage, the passage's body — scored with BM25F.
 *
 * Why in memory rather than FTS5: a question OR-s its words, and FTS5's bm25() then scores
 * every posting of every word through SQLite's auxiliary-function API — ~20 ms on the
 * benchmark corpus's 73k passages, where walking the same postings in typed arrays takes
 * well under a millisecond. FTS5 stays the store of record (passages_fts: text, phrases,
 * prefix*, operators, snippets); this index is derived from it (ranked-sync.ts).
 *
 * Layout: postings live in one compact arena (a CSR: per term an offset into `docs` and
 * `tfs`) plus a short list of postings added since it was built, which a search scans
 * whole and which is folded into the arena once it grows. Postings of removed passages
 * are skipped (`alive`) and dropped at the next fold.
 */
/** Body first: its tf sits in the low byte, and most postings are body-only (one step below). */
export const FIELDS = ["body", "headings", "title", "path"] as const;
export type Field = (typeof FIELDS)[number];
const F = FIELDS.length;
/** Each field's tf is kept in 8 bits of one 32-bit word (capped at 255). */
const TF_MAX = 255;
/** Postings added since the last fold that trigger the next one. */
const FOLD_AT = 50_000;
/**
 * Past FOLD_AT, the share of the arena the recent postings may reach before a fold: while
 * the index is built (no search reads it yet), half, so that a bulk load folds a few times;
 * once it answers searches, an eighth. Recent postings are slower to search (a walk of each
 * term's chain, weights computed per posting): on the corpus, after 1,000 files rewritten
 * (1.1M recent postings, a fifth of the arena) a search cost 3.0 ms CPU against 1.3 after
 * a fold, and the fold (~0.25 s with its weights) comes four times as often as at a half.
 */
const FOLD_SHARE_BUILDING = 1 / 2;
const FOLD_SHARE_SERVING = 1 / 8;
/**
 * Up to this much more for a file whose title and path hold the query's words (by the
 * squared share of them): a file named for what is asked is the known item (dev sets:
 * keywords 0.911 → 0.922, questions 0.806 → 0.809; 1.0 gave 0.913 / 0.820).
 */
export const NAMED_COORD = 0.5;
/**
 * Up to this much more for a file whose title is the query: the query's words are all of
 * its title's meaningful ones (by the squared share: matched / max(query words, title
 * words)). A known-item query is often a title as words, and a longer title that happens
 * to hold them is another file (Meilisearch's "exactness" rule; dev sets, with
 * PROXIMITY: keywords 0.914 → 0.942, questions 0.811 → 0.820; 0.75–1 alike).
 */
export const TITLE_EXACT = 1;
/**
 * Up to this much more for a passage holding the query's words near each other
 * (ranked-proximity.ts): by the squared share of them (beyond the first) in one window
 * of its body. Dev sets: keywords (four words of one line) 0.928 → 0.942, questions
 * 0.815 → 0.820; 0.3–0.4 alike, 1.0 costs questions (0.795).
 */
const PROXIMITY = 0.35;
/** Postings of the rarest terms scored in full before the rest only add to what they found. */
const GENERATOR_POSTINGS = 5_000;

/** BM25F parameters (bench/search-quality.ts): a title or path word is worth several body words. */
export const FIELD_WEIGHT: Record<Field, number> = { path: 6, title: 10, headings: 1, body: 1 };
export const FIELD_B: Record<Field, number> = { path: 0.5, title: 0.5, headings: 0.5, body: 0.75 };
export const K1 = 1.2;

/** BM25's inverse document frequency of a term in `df` of `n` passages. */
const idfOf = (n: number, df: number) => Math.log(1 + (n - df + 0.5) / (df + 0.5));

export interface TermQuery {
  term: string;
  /** Multiplies this term's score (exact forms count less than the word itself). */
  weight: number;
  /** The term's group: a passage's coordination counts groups matched, not terms. */
  group: number;
  /** For a phrase: the passages FTS5 found it in (then `term` is only its label). */
  ids?: readonly number[];
}

/** What add() may know of a document besides its fields' terms. */
export interface DocExtras {
  /** Distinct meaningful (non-stop) words of its title: for title exactness. */
  titleWords?: number;
  /** The word number of each body term (terms[0]): for proximity (ranked-proximity.ts). */
  bodyWords?: readonly number[];
}

export interface Scored {
  /** passages.id */
  id: number;
  fileId: number;
  score: number;
  /** Query groups matched. */
  matched: number;
}

/** A growable Uint32Array. */
class U32 {
  a = new Uint32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const next = new Uint32Array(this.a.length * 2);
      next.set(this.a);
      this.a = next;
    }
    this.a[this.n++] = v;
  }
}

/**
 * Postings not yet folded into the arena: (term, doc, tfs, spans), and per posting the one
 * before it of the same term (`next`: its index + 1; 0 ends the chain, which starts at
 * recentHead[term]). A search reads a term's recent postings by its chain: a store written
 * to since its last fold can hold hundreds of thousands (the fold waits for half the arena),
 * and a scan of them all for each term of each search cost ~25 ms after 1,000 files.
 */
const emptyRecent = () => ({
  terms: new U32(),
  docs: new U32(),
  tfs: new U32(),
  spans: new U32(),
  next: new U32(),
});

export class RankedIndex {
  /** `spans`: keep where in each body its terms occur (passages; not whole files). */
  constructor(
    private readonly dict: TermDictionary,
    private readonly withSpans = false,
  ) {}
  // The arena: postings of term t are [offsets[t], offsets[t + 1]) in docs/tfs (and spans).
  private offsets = new Uint32Array(1);
  private docs = new Uint32Array(0);
  private tfs = new Uint32Array(0);
  private spans = new Uint32Array(0);
  /**
   * Per arena posting, its BM25F weight before idf (Scorer.weight) under `stats`: made
   * when first needed after a fold, so that a search multiplies and adds per posting
   * rather than normalising and saturating it.
   */
  private impacts?: Float32Array;
  /**
   * The field parameters every score is computed with (impacts, recent postings and
   * bodyNorm alike): the fields' average lengths as they were when the impacts were made,
   * made again once one has moved by more than STATS_DRIFT (or at a fold). A few writes
   * barely move an average over thousands of passages; re-weighing millions of postings
   * after each would cost more than the searches between them.
   */
  private stats?: FieldParams;
  private statsAt = -1;
  private recent = emptyRecent();
  /** Per term id: its last recent posting's index + 1 (0: none), and how many it has. */
  private recentHead = new Uint32Array(1024);
  private recentDf = new Uint32Array(1024);
  // Per doc (dense numbers in insertion order).
  private readonly ids = new U32();
  private readonly files = new U32();
  private readonly lens = new U32();
  /** Per doc: distinct meaningful (non-stop) words of its title, for title exactness. */
  private readonly titleWords = new U32();
  private alive = new Uint8Array(1024);
  private live = 0;
  private readonly lenSum = new Float64Array(F);
  private readonly byFile = new Map<number, number[]>();
  private readonly byId = new Map<number, number>();
  /** Scratch, indexed by term id: packed tfs of the passage being added. */
  private scratch = new Uint32Array(1024);
  /** Scratch, indexed by term id: the body segments the term occurs in. */
  private scratchSpans = new Uint32Array(1024);
  /** Adds and removals so far, and the count bodyNorms was made at. */
  private writes = 0;
  private normsAt = -1;
  private norms: Float64Array = new Float64Array(0);
  /** Scratch for the final scores of a search's candidates, and topK's heap. */
  private final = new Float64Array(0);
  private heapScores = new Float64Array(0);
  private heapItems = new Int32Array(0);
  /** Whether a search has read this index (its folds come sooner from then on). */
  private serving = false;
  /** The last search's accumulators, reused (reset through its touched list). */
  private scorer?: Scorer;

  get passageCount(): number {
    return this.live;
  }

  /**
   * Adds one document (a passage, or a whole file): `terms[f]` is field f's term ids
   * (TermDictionary.scan, several per word: stem and exact form), `lens[f]` its length in words.
   */
  add(
    id: number,
    fileId: number,
    terms: readonly (readonly number[])[],
    lens: readonly number[],
    extras: DocExtras = {},
  ): void {
    const d = this.ids.n;
    this.writes++;
    this.titleWords.push(extras.titleWords ?? 0);
    this.ids.push(id);
    this.files.push(fileId);
    if (d >= this.alive.length) {
      const next = new Uint8Array(this.alive.length * 2);
      next.set(this.alive);
      this.alive = next;
    }
    this.alive[d] = 1;
    this.live++;
    const touched: number[] = [];
    if (this.scratch.length < this.dict.ids.size) this.growScratch();
    const scratch = this.scratch;
    const words = this.withSpans ? extras.bodyWords : undefined;
    if (words) {
      const per = segmentWords(lens[0]!);
      const body = terms[0]!;
      for (let i = 0; i < body.length; i++)
        this.scratchSpans[body[i]!]! |= 1 << Math.min(31, Math.floor(words[i]! / per));
    }
    for (let f = 0; f < F; f++) {
      const shift = 8 * f;
      for (const t of terms[f]!) {
        const v = scratch[t]!;
        if (v === 0) touched.push(t);
        if (((v >>> shift) & 0xff) < TF_MAX) scratch[t] = v + (1 << shift);
      }
      const len = Math.min(65535, lens[f]!);
      this.lens.push(len);
      this.lenSum[f]! += len;
    }
    for (const t of touched) {
      this.recent.next.push(this.recentHead[t]!);
      this.recentHead[t] = this.recent.terms.n + 1;
      this.recentDf[t]!++;
      this.recent.terms.push(t);
      this.recent.docs.push(d);
      this.recent.tfs.push(this.scratch[t]!);
      this.scratch[t] = 0;
      if (this.withSpans) {
        this.recent.spans.push(this.scratchSpans[t]!);
        this.scratchSpans[t] = 0;
      }
    }
    let list = this.byFile.get(fileId);
    if (!list) this.byFile.set(fileId, (list = []));
    list.push(d);
    this.byId.set(id, d);
    // Folding costs the whole arena: past FOLD_AT, only once the recent postings are a
    // good share of it (see FOLD_SHARE_SERVING).
    const share = this.serving ? FOLD_SHARE_SERVING : FOLD_SHARE_BUILDING;
    if (this.recent.terms.n >= Math.max(FOLD_AT, this.docs.length * share)) this.fold();
  }

  removeFile(fileId: number): void {
    const list = this.byFile.get(fileId);
    if (!list) return;
    this.writes++;
    for (const d of list) {
      if (!this.alive[d]) continue;
      this.alive[d] = 0;
      this.live--;
      for (let f = 0; f < F; f++) this.lenSum[f]! -= this.lens.a[d * F + f]!;
      this.byId.delete(this.ids.a[d]!);
    }
    this.byFile.delete(fileId);
    this.paths.delete(fileId);
  }

  /** Passages holding the term (removed ones included until the next fold). */
  df(term: string): number {
    const t = this.dict.ids.get(term);
    if (t === undefined) return 0;
    const n = t + 1 < this.offsets.length ? this.offsets[t + 1]! - this.offsets[t]! : 0;
    return n + (t < this.recentDf.length ? this.recentDf[t]! : 0);
  }

  /**
   * The `k` best passages for these terms, by BM25F summed over the terms, times a
   * coordination factor: `coord` in [0, 1] is the weight of the share of the query's
   * groups a passage matches (0: plain BM25F; 1: a passage matching half the groups gets
   * half its score).
   */
  search(
    query: readonly TermQuery[],
    groups: number,
    k: number,
    coord: number,
    allowFile?: (fileId: number) => boolean,
  ): { top: Scored[]; matched: number; exact: boolean } {
    const n = Math.max(1, this.live);
    let alive = this.alive;
    if (allowFile) {
      // A path filter: only the allowed files' passages count (decided once per file).
      alive = new Uint8Array(this.alive.length);
      for (const [fileId, docs] of this.byFile)
        if (allowFile(fileId)) for (const d of docs) alive[d] = this.alive[d]!;
    }
    const impacts = this.currentImpacts();
    const sc = this.newScorer(alive);
    // Rare terms first. They find the candidates: every posting of theirs is scored, until
    // they have covered GENERATOR_POSTINGS postings and found k passages. The common terms
    // after them only add to passages already found (a lookup per candidate, not a walk
    // of thousands of postings): a passage holding none of the rarer words would rank
    // below those that do anyway. (The idea of MaxScore, without its exactness.)
    const plan = query.map((q) => {
      const t = q.ids ? undefined : this.dict.ids.get(q.term);
      const df = q.ids ? q.ids.length : t === undefined ? 0 : this.df(q.term);
      return { q, t, df, idf: idfOf(n, df) * q.weight, bit: 1 << q.group };
    });
    plan.sort((x, y) => x.df - y.df);
    let walked = 0;
    let split = 0;
    while (split < plan.length && (walked < GENERATOR_POSTINGS || sc.count < k)) {
      const p = plan[split++]!;
      walked += p.df;
      this.scoreTerm(sc, p, impacts, false);
    }
    const exact = split === plan.length;
    let atLeast = sc.count;
    for (const p of plan.slice(split)) {
      atLeast = Math.max(atLeast, p.df);
      this.scoreTerm(sc, p, impacts, true);
    }
    // The top k of the touched passages (tens of thousands for a question of common words).
    const keep = 1 - coord;
    const share = coord / Math.max(1, groups);
    const found = sc.count;
    if (this.final.length < found) this.final = new Float64Array(this.alive.length);
    if (this.heapScores.length < k) {
      this.heapScores = new Float64Array(k);
      this.heapItems = new Int32Array(k);
    }
    const final = this.final;
    for (let i = 0; i < found; i++) {
      const d = sc.touched[i]!;
      final[i] = sc.score[d]! * (keep + share * popcount(sc.hit[d]!));
    }
    const best = topK(sc.touched, final, found, k, this.heapScores, this.heapItems);
    if (this.withSpans && PROXIMITY > 0) this.byProximity(best, plan);
    const out = best.map(([d, s]) => ({
      id: this.ids.a[d]!,
      fileId: this.files.a[d]!,
      score: s,
      matched: popcount(sc.hit[d]!),
    }));
    sc.reset();
    return { top: out, matched: atLeast, exact };
  }

  /**
   * Scores of the given files' documents only (the file-level index: one document per
   * file): a lookup per file and term instead of a walk of every posting.
   */
  scoreFiles(
    query: readonly TermQuery[],
    groups: number,
    coord: number,
    fileIds: readonly number[],
  ): Map<number, number> {
    const n = Math.max(1, this.live);
    const impacts = this.currentImpacts();
    const sc = this.newScorer(this.alive);
    const CANDIDATE = 1 << 30; // marks a document as a candidate before any term adds to it
    for (const f of fileIds) {
      const d = this.byFile.get(f)?.[0];
      if (d === undefined || !this.alive[d] || sc.has(d)) continue;
      sc.touch(d);
      sc.hit[d] = CANDIDATE;
    }
    for (const q of query) {
      if (q.ids) continue; // phrases count at the passage level only
      const t = this.dict.ids.get(q.term);
      if (t === undefined) continue;
      const idf = idfOf(n, this.df(q.term)) * q.weight;
      this.scoreTerm(sc, { q, t, idf, bit: 1 << q.group }, impacts, true);
    }
    const out = new Map<number, number>();
    const share = coord / Math.max(1, groups);
    for (let i = 0; i < sc.count; i++) {
      const d = sc.touched[i]!;
      const matched = popcount(sc.hit[d]! & (CANDIDATE - 1));
      const named = popcount(sc.named[d]!) / Math.max(1, groups);
      const exact = popcount(sc.titled[d]!) / Math.max(1, groups, this.titleWords.a[d]!);
      out.set(
        this.files.a[d]!,
        sc.score[d]! *
          (1 - coord + share * matched) *
          (1 + NAMED_COORD * named * named) *
          (1 + TITLE_EXACT * exact * exact),
      );
    }
    sc.reset();
    return out;
  }

  /**
   * Multiplies each found passage's score by up to 1 + PROXIMITY, by the squared share of
   * the query's words (beyond the first) it holds within a window of its body
   * (ranked-proximity.ts), and sorts them again. Phrases (passage lists from FTS5) have
   * no spans and take no part; nor do exact forms (their stem's span covers them).
   */
  private byProximity(
    best: [number, number][],
    plan: readonly { q: TermQuery; t: number | undefined }[],
  ): void {
    const terms = plan.filter((p) => p.t !== undefined && !p.q.ids && !p.q.term.startsWith(EXACT));
    const groups = [...new Set(terms.map((p) => p.q.group))];
    if (groups.length < 2 || best.length === 0) return;
    const slot = new Map(groups.map((g, i) => [g, i]));
    const G = groups.length;
    // Per candidate, each group's mask (masks[c * G + slot]). Term by term, through the
    // candidates in passage order: each search in the postings starts where the last ended.
    const masks = new Int32Array(best.length * G);
    const order = best.map((_, c) => c).sort((x, y) => best[x]![0] - best[y]![0]);
    const recentSpans = this.recent.terms.n > 0 ? this.recentSpans(best, terms) : undefined;
    for (const p of terms) {
      const t = p.t!;
      const g = slot.get(p.q.group)!;
      if (t + 1 < this.offsets.length) {
        let from = this.offsets[t]!;
        const to = this.offsets[t + 1]!;
        for (const c of order) {
          from = lowerBound(this.docs, from, to, best[c]![0]);
          if (from === to) break;
          if (this.docs[from] === best[c]![0]) masks[c * G + g]! |= this.spans[from]!;
        }
      }
      if (recentSpans)
        for (let c = 0; c < best.length; c++)
          masks[c * G + g]! |= recentSpans.get(t * 0x100000000 + best[c]![0]) ?? 0;
    }
    for (let c = 0; c < best.length; c++) {
      const near = (groupsTogether(masks, c * G, G) - 1) / (G - 1);
      if (near > 0) best[c]![1] *= 1 + PROXIMITY * near * near;
    }
    best.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  }

  /** Spans of the recent postings of these terms in these passages, by term * 2^32 + passage. */
  private recentSpans(
    best: readonly [number, number][],
    terms: readonly { t: number | undefined }[],
  ): Map<number, number> {
    const want = new Set(best.map((b) => b[0]));
    const out = new Map<number, number>();
    const r = this.recent;
    for (const t of new Set(terms.map((p) => p.t!)))
      for (let i = this.recentStart(t); i !== 0; i = r.next.a[i - 1]!) {
        const d = r.docs.a[i - 1]!;
        if (want.has(d)) out.set(t * 0x100000000 + d, r.spans.a[i - 1]!);
      }
    return out;
  }

  /** Scorer's bodyNorm, made again only after documents were added or removed. */
  private bodyNorms(): Float64Array {
    if (this.normsAt !== this.writes) this.norms = bodyNorms(this.stats!, this.lens.a, this.ids.n);
    this.normsAt = this.writes;
    return this.norms;
  }

  /** The arena's impacts under `stats`, both made again when stale (see `stats`). */
  private currentImpacts(): Float32Array {
    if (this.statsAt !== this.writes || !this.impacts) {
      const now = this.params(Math.max(1, this.live));
      if (!this.impacts || !this.stats || drifted(this.stats.avg, now.avg)) {
        this.stats = now;
        this.normsAt = -1;
        this.impacts = impactsOf(
          now,
          this.lens.a,
          this.alive,
          this.bodyNorms(),
          this.docs,
          this.tfs,
        );
      }
      this.statsAt = this.writes;
    }
    return this.impacts;
  }

  private params(n: number) {
    return {
      w: FIELDS.map((name) => FIELD_WEIGHT[name]),
      b: FIELDS.map((name) => FIELD_B[name]),
      avg: FIELDS.map((_, f) => Math.max(1, this.lenSum[f]! / n)),
      k1: K1,
    };
  }

  /** A scorer over the passages `alive` marks, reusing the last one's buffers. */
  private newScorer(alive: Uint8Array): Scorer {
    this.serving = true;
    const sc = new Scorer(
      this.alive.length,
      this.stats!,
      this.lens.a,
      alive,
      this.bodyNorms(),
      this.scorer,
    );
    this.scorer = sc;
    return sc;
  }

  /**
   * One query term's postings into the scorer: as candidates, or (`boostOnly`) added only
   * to passages already found. A phrase (ids from FTS5) counts once in the body, as far as
   * BM25 knows; a word walks its postings, then the ones written since the last fold.
   */
  private scoreTerm(
    sc: Scorer,
    p: { q: TermQuery; t: number | undefined; idf: number; bit: number },
    impacts: Float32Array,
    boostOnly: boolean,
  ): void {
    if (p.q.ids) {
      for (const id of p.q.ids) {
        const d = this.byId.get(id);
        if (d === undefined) continue;
        if (boostOnly) sc.boost(d, 1, p.idf, p.bit);
        else sc.one(d, 1, p.idf, p.bit);
      }
      return;
    }
    const t = p.t;
    if (t === undefined) return;
    if (t + 1 < this.offsets.length) {
      const from = this.offsets[t]!;
      const to = this.offsets[t + 1]!;
      if (boostOnly) sc.boostImpacts(this.docs, this.tfs, impacts, from, to, p.idf, p.bit);
      else sc.addImpacts(this.docs, this.tfs, impacts, from, to, p.idf, p.bit);
    }
    if (this.recent.terms.n > 0) this.addRecent(sc, t, p.idf, p.bit, boostOnly);
  }

  private addRecent(sc: Scorer, t: number, idf: number, bit: number, boostOnly: boolean): void {
    const { docs, tfs, next } = this.recent;
    for (let i = this.recentStart(t); i !== 0; i = next.a[i - 1]!)
      if (boostOnly) sc.boost(docs.a[i - 1]!, tfs.a[i - 1]!, idf, bit);
      else sc.one(docs.a[i - 1]!, tfs.a[i - 1]!, idf, bit);
  }

  /** Where term t's chain of recent postings starts (an index + 1; 0: it has none). */
  private recentStart(t: number): number {
    return t < this.recentHead.length ? this.recentHead[t]! : 0;
  }

  /** The file's path, for path filters (kept beside the file's passages). */
  readonly paths = new Map<number, string>();

  /** Folds the recent postings into the arena (a counting sort by term), dropping removed passages'. */
  fold(): void {
    const T = this.dict.ids.size;
    const counts = new Uint32Array(T + 1);
    const oldT = this.offsets.length - 1;
    for (let t = 0; t < oldT; t++)
      for (let i = this.offsets[t]!; i < this.offsets[t + 1]!; i++)
        if (this.alive[this.docs[i]!]) counts[t]!++;
    const r = this.recent;
    for (let i = 0; i < r.terms.n; i++) if (this.alive[r.docs.a[i]!]) counts[r.terms.a[i]!]!++;
    const offsets = new Uint32Array(T + 1);
    for (let t = 0; t < T; t++) offsets[t + 1] = offsets[t]! + counts[t]!;
    const docs = new Uint32Array(offsets[T]!);
    const tfs = new Uint32Array(offsets[T]!);
    const spans = new Uint32Array(this.withSpans ? offsets[T]! : 0);
    const at = offsets.slice(0, T);
    for (let t = 0; t < oldT; t++)
      for (let i = this.offsets[t]!; i < this.offsets[t + 1]!; i++) {
        const d = this.docs[i]!;
        if (!this.alive[d]) continue;
        const j = at[t]!++;
        docs[j] = d;
        tfs[j] = this.tfs[i]!;
        if (this.withSpans) spans[j] = this.spans[i]!;
      }
    for (let i = 0; i < r.terms.n; i++) {
      const d = r.docs.a[i]!;
      if (!this.alive[d]) continue;
      const j = at[r.terms.a[i]!]!++;
      docs[j] = d;
      tfs[j] = r.tfs.a[i]!;
      if (this.withSpans) spans[j] = r.spans.a[i]!;
    }
    this.offsets = offsets;
    this.docs = docs;
    this.tfs = tfs;
    this.spans = spans;
    this.recent = emptyRecent();
    this.recentHead.fill(0);
    this.recentDf.fill(0);
    this.impacts = undefined;
  }

  private growScratch(): void {
    const size = Math.max(this.scratch.length * 2, this.dict.ids.size);
    const next = new Uint32Array(size);
    next.set(this.scratch);
    this.scratch = next;
    const spans = new Uint32Array(size);
    spans.set(this.scratchSpans);
    this.scratchSpans = spans;
    const head = new Uint32Array(size);
    head.set(this.recentHead);
    this.recentHead = head;
    const df = new Uint32Array(size);
    df.set(this.recentDf);
    this.recentDf = df;
  }
}

/** How far a field's average length may move before the weights are made again. */
const STATS_DRIFT = 0.02;

function drifted(was: readonly number[], now: readonly number[]): boolean {
  return was.some((a, f) => Math.abs(now[f]! - a) > STATS_DRIFT * a);
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v; v &= v - 1) c++;
  return c;
}
