import { porterStem } from "./porter.ts";

/**
 * Words as the ranked index (ranked-index.ts) sees them, shared by indexing and querying:
 * the tokenizer's token characters (the `categories` of passages_fts in migration 3,
 * search-text.ts), lower case, Latin accents folded (cafe = café, as remove_diacritics
 * does), and each word's Porter stem. Exact forms are kept beside the stems, marked
 * EXACT, for words whose stem differs, so that a query's words as typed can rank above
 * other forms of them.
 */
const NON_ASCII = /[^\u0000-\u007f]/;
const COMBINING_ACCENTS = /[\u0300-\u036f]/g;
/** Words longer than this are cut (they are hashes, base64, not words anyone searches). */
const MAX_WORD_CHARS = 64;
export const EXACT = "=";

export function fold(word: string): string {
  let w = word.length > MAX_WORD_CHARS ? word.slice(0, MAX_WORD_CHARS) : word;
  w = w.toLowerCase();
  if (NON_ASCII.test(w)) w = w.normalize("NFD").replace(COMBINING_ACCENTS, "").normalize("NFC");
  return w;
}

/** Per word: its stem, and the EXACT-marked word when the stem differs (else null). */
const forms = new Map<string, [string, string | null]>();
const MAX_CACHED_FORMS = 200_000;

function formsOf(word: string): [string, string | null] {
  let f = forms.get(word);
  if (f === undefined) {
    const s = porterStem(word);
    f = [s, s === word ? null : EXACT + word];
    if (forms.size >= MAX_CACHED_FORMS) forms.clear();
    forms.set(word, f);
  }
  return f;
}

/** The stem of one folded word (porterStem, cached: a corpus repeats its words). */
export function stem(word: string): string {
  return formsOf(word)[0];
}

const SPLIT = /[^\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]+/u;

/**
 * Term ids for the words of a text (each word's stem, and its exact form), without making a
 * string per word: building the ranked index from the stored text is one pass over ~10M
 * words for the benchmark corpus, and allocating and hashing each word was most of its
 * cost (5 s, against ~2 s this way). ASCII text is scanned by char code with two hashes
 * per word (FNV-1a and a multiplicative one), looked up in a table of words seen — a
 * false match needs both 30-bit hashes and the length to collide; comparing the
 * characters instead cost more than the rest of the scan. Other text, and the first
 * sight of a word, take the plain path (formsOf).
 */
export class TermDictionary {
  readonly ids = new Map<string, number>();
  /**
   * The words seen, as an open-addressing table in typed arrays (key: the first hash + 1;
   * 0 is an empty slot): one JS object per word would be ~150k objects on the corpus,
   * for every full garbage collection to trace while searches wait.
   */
  private keys = new Int32Array(1 << 12);
  /** A second hash of the word, and its length: with the first, ~60 bits and the length. */
  private checks = new Int32Array(1 << 12);
  private lengths = new Int32Array(1 << 12);
  private stems = new Int32Array(1 << 12);
  /** The exact form's term id, or -1 when the word is its own stem. */
  private exacts = new Int32Array(1 << 12);
  private used = 0;
  /** entry()'s answer: the word's stem and exact form term ids. */
  private stemId = 0;
  private exactId = -1;

  /** The term's id, allocated when new. */
  id(term: string): number {
    let t = this.ids.get(term);
    if (t === undefined) this.ids.set(term, (t = this.ids.size));
    return t;
  }

  /**
   * Calls `onTerm` for each term id of `text` (stems and exact forms) with the number of
   * its word (0-based); returns the text's length in words.
   */
  scan(text: string, onTerm: (term: number, word: number) => void): number {
    const lower = text.toLowerCase();
    if (NON_ASCII.test(lower)) {
      let n = 0;
      for (const part of lower.split(SPLIT)) {
        if (part === "") continue;
        const [s, e] = formsOf(fold(part));
        onTerm(this.id(s), n);
        if (e !== null) onTerm(this.id(e), n);
        n++;
      }
      return n;
    }
    let words = 0;
    let start = -1;
    let h = 0;
    let h2 = 0;
    const len = lower.length;
    for (let i = 0; i <= len; i++) {
      const c = i < len ? lower.charCodeAt(i) : 32;
      if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) {
        if (start < 0) {
          start = i;
          h = 0x811c9dc5;
          h2 = 0;
        }
        h = Math.imul(h ^ c, 16777619);
        h2 = (Math.imul(h2, 31) + c) | 0;
        continue;
      }
      if (start < 0) continue;
      this.entry(lower, start, i, h & 0x3fffffff, h2 & 0x3fffffff);
      onTerm(this.stemId, words);
      if (this.exactId >= 0) onTerm(this.exactId, words);
      words++;
      start = -1;
    }
    return words;
  }

  /** Sets stemId and exactId for the word text[start, end) with these hashes. */
  private entry(text: string, start: number, end: number, hash: number, check: number): void {
    const key = hash + 1;
    const length = end - start;
    const mask = this.keys.length - 1;
    let i = hash & mask;
    for (let k = this.keys[i]!; k !== 0; k = this.keys[i]!) {
      if (k === key) {
        if (this.checks[i] === check && this.lengths[i] === length) {
          this.stemId = this.stems[i]!;
          this.exactId = this.exacts[i]!;
          return;
        }
        // A collision: the first word keeps the slot; the other takes this path each time.
        this.formsOf(text.slice(start, end));
        return;
      }
      i = (i + 1) & mask;
    }
    this.formsOf(text.slice(start, end));
    this.keys[i] = key;
    this.checks[i] = check;
    this.lengths[i] = length;
    this.stems[i] = this.stemId;
    this.exacts[i] = this.exactId;
    if (++this.used * 2 > this.keys.length) this.grow();
  }

  private formsOf(word: string): void {
    const [s, e] = formsOf(fold(word));
    this.stemId = this.id(s);
    this.exactId = e === null ? -1 : this.id(e);
  }

  private grow(): void {
    const { keys, checks, lengths, stems, exacts } = this;
    const size = keys.length * 2;
    this.keys = new Int32Array(size);
    this.checks = new Int32Array(size);
    this.lengths = new Int32Array(size);
    this.stems = new Int32Array(size);
    this.exacts = new Int32Array(size);
    const mask = size - 1;
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j]!;
      if (key === 0) continue;
      let i = (key - 1) & mask;
      while (this.keys[i] !== 0) i = (i + 1) & mask;
      this.keys[i] = key;
      this.checks[i] = checks[j]!;
      this.lengths[i] = lengths[j]!;
      this.stems[i] = stems[j]!;
      this.exacts[i] = exacts[j]!;
    }
  }
}

/**
 * Empties the cache of word forms. After a bulk build it holds every distinct word of the
 * store (~150k on the corpus: half the search thread's JS objects), which each full
 * garbage collection traces while searches wait; the dictionaries' own tables answer
 * the scan of known words, so little is lost.
 */
export function forgetWordForms(): void {
  forms.clear();
}
