import { fold, stem } from "./search-terms.ts";

/**
 * From ranked passages to a page of results, at the file level: agents want the files that
 * answer, and the same file five times over is one answer. A file scores as its best
 * passage plus a share of its next ones (a file that covers the subject in several
 * passages is more likely about it than one that mentions it once), and shows at most
 * MAX_PASSAGES_PER_FILE passages on a page, its best first.
 */
export interface RankedPassage {
  id: number;
  path: string;
  line_start: number;
  line_end: number;
  /** Higher is better. */
  score: number;
}

export const MAX_PASSAGES_PER_FILE = 2;
/** Weight of a file's 2nd and 3rd best passages in its score (dev sets: 0.3 helps questions most). */
export const SUPPORT_WEIGHT = 0.3;

export function groupByFile<T extends RankedPassage>(
  passages: readonly T[],
  /**
   * Whether a file's second or later passage matches by its own text. Every passage
   * carries its file's path and title, so without this a file whose title holds the words
   * would fill its share of the page with passages that only repeat the title's match.
   */
  ownMatch: (p: T) => boolean = () => true,
): T[] {
  const files = new Map<string, { score: number; hits: T[] }>();
  const sorted = [...passages].sort((a, b) => b.score - a.score || a.id - b.id);
  for (const p of sorted) {
    let f = files.get(p.path);
    if (!f) files.set(p.path, (f = { score: 0, hits: [] }));
    if (f.hits.length >= MAX_PASSAGES_PER_FILE) continue;
    if (f.hits.length > 0 && !ownMatch(p)) continue;
    f.score += f.hits.length === 0 ? p.score : SUPPORT_WEIGHT * p.score;
    f.hits.push(p);
  }
  return [...files.values()].sort((a, b) => b.score - a.score).flatMap((f) => f.hits);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Characters of context a JS snippet shows (about SNIPPET_TOKENS words of prose). */
const SNIPPET_CHARS = 160;

/**
 * A snippet made in JS, for passages found through the ranked index (a stemmed match
 * has no FTS5 snippet): the window of ~SNIPPET_CHARS characters holding the most query
 * words, those marked. `candidate` finds the words that may be query words (a regex of
 * their stems' first letters, so most words are never looked at); `matches(word)` says
 * whether a lower-case one is (or is a form of one).
 */
export function snippetOf(
  text: string,
  candidates: WordCandidates,
  matches: (lowerWord: string) => boolean,
  open: string,
  close: string,
): string {
  const hits: { start: number; end: number }[] = [];
  const candidate = NON_ASCII.test(text) ? candidates.any : candidates.ascii;
  candidate.lastIndex = 0;
  for (let m = candidate.exec(text); m !== null; m = candidate.exec(text)) {
    if (matches(m[0].toLowerCase())) hits.push({ start: m.index, end: m.index + m[0].length });
    if (hits.length > 2000) break;
  }
  if (hits.length === 0)
    return oneLine(text.slice(0, SNIPPET_CHARS)) + (text.length > SNIPPET_CHARS ? "…" : "");
  // The window starting at the hit with the most hits after it, within SNIPPET_CHARS.
  let best = 0;
  let bestCount = 0;
  for (let i = 0, j = 0; i < hits.length; i++) {
    while (j < hits.length && hits[j]!.end - hits[i]!.start <= SNIPPET_CHARS) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      best = i;
    }
  }
  // A little context before the first hit, from a word's start.
  let from = Math.max(0, hits[best]!.start - 30);
  while (from > 0 && isWordChar(text[from - 1]!)) from--;
  let to = Math.min(text.length, from + SNIPPET_CHARS);
  while (to < text.length && isWordChar(text[to]!)) to++;
  let out = from > 0 ? "…" : "";
  let pos = from;
  for (const h of hits) {
    if (h.start < from || h.end > to) continue;
    out += text.slice(pos, h.start) + open + text.slice(h.start, h.end) + close;
    pos = h.end;
  }
  out += text.slice(pos, to);
  return oneLine(out) + (to < text.length ? "…" : "");
}

const WORD_CHAR = /[\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]/u;
const isWordChar = (c: string) => WORD_CHAR.test(c);
const oneLine = (s: string) => s.replace(/\s+/g, " ");

/** Regexes of the words that may be query words: for ASCII text, and for any text. */
export interface WordCandidates {
  ascii: RegExp;
  any: RegExp;
}

const NON_ASCII = /[^\u0000-\u007f]/;

/**
 * Whole words that start as one of `heads` (lower-case) in any case, or that hold a
 * non-ASCII letter (an accented form, which a head in plain letters would not find).
 * ASCII text (most passages) takes a regex of ASCII letters and digits — the
 * tokenizer's word characters there — several times cheaper than the Unicode one.
 */
function wordsStarting(heads: readonly string[]): WordCandidates {
  const w = "[\\p{L}\\p{N}\\p{Co}\\p{Mn}\\p{Mc}]";
  const alts = heads.map(escapeRegExp).join("|") || "(?!)";
  return {
    ascii: new RegExp(`(?<![a-z0-9])(?:${alts})[a-z0-9]*`, "gi"),
    any: new RegExp(`(?<!${w})(?:(?:${alts})${w}*|${w}*[^\\u0000-\\u007f]${w}*)`, "giu"),
  };
}

/**
 * Whether a lower-case word is one of `words` or shares its stem, and where in a passage to
 * look: a form of a word starts as its stem does (Porter only cuts and swaps endings), so a
 * regex of the stems' first letters finds the few words of a passage worth stemming. Both
 * engines mark their plain-word snippets with it.
 */
export function wordMatcher(words: readonly string[]): {
  candidate: WordCandidates;
  matches: (w: string) => boolean;
} {
  const stems = new Set(words.map((w) => stem(w)));
  const heads = [...new Set([...stems].map((s) => s.slice(0, 3)))];
  // A page's passages repeat their words: each is folded and stemmed once.
  const seen = new Map<string, boolean>();
  return {
    candidate: wordsStarting(heads),
    matches: (w) => {
      let yes = seen.get(w);
      if (yes === undefined) {
        const f = fold(w);
        yes = words.includes(f) || stems.has(stem(f));
        seen.set(w, yes);
      }
      return yes;
    },
  };
}
