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

interface WordEntry {
  /** A second hash of the word and its length: with the first (the table's key), ~62 bits. */
  check: number;
  length: number;
  stem: number;
  /** The exact form's term id, or -1 when the word is its own stem. */
  exact: number;
}

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
  private readonly byHash = new Map<number, WordEntry>();

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
      const e = this.entry(lower, start, i, h & 0x3fffffff, h2 & 0x3fffffff);
      onTerm(e.stem, words);
      if (e.exact >= 0) onTerm(e.exact, words);
      words++;
      start = -1;
    }
    return words;
  }

  private entry(text: string, start: number, end: number, hash: number, check: number): WordEntry {
    const known = this.byHash.get(hash);
    if (known && known.check === check && known.length === end - start) return known;
    const [s, e] = formsOf(fold(text.slice(start, end)));
    const entry = {
      check,
      length: end - start,
      stem: this.id(s),
      exact: e === null ? -1 : this.id(e),
    };
    // On a hash collision the first word keeps the slot; the other takes this path each time.
    if (!known) this.byHash.set(hash, entry);
    return entry;
  }
}
