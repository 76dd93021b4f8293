import type { QueryWord } from "./query.ts";
import type { TermQuery } from "./ranked-index.ts";
import { EXACT, fold, stem } from "./search-terms.ts";
import { segmentText } from "./search-text.ts";
import { isStopword } from "./stopwords.ts";

/**
 * How a plain-word query (no operators) is run: agents ask questions ("how are spinlocks
 * used in interrupt handlers"), and a file rarely holds every word of one. So the words
 * are OR-ed and ranked (ranked-query.ts): passages that match more of them, and rarer
 * ones, first; a question never comes back empty because one word is missing.
 *
 * - Stopwords are dropped (unless the query is nothing else); quoted phrases stay whole.
 * - Each remaining word is a group: its stem (`sorting` finds sort), and its exact form
 *   at EXACT_WEIGHT, so the word as typed ranks above its other forms.
 * - A quoted phrase or CJK text is not one word of the ranked index: FTS5 finds its
 *   passages (phrases), and they count as one body match of it. A compound counts as
 *   its words.
 * - A prefix* term makes the whole query an FTS5 one (`ranked: false`): a stemmed index
 *   cannot answer a prefix (`decorat*` against "decor").
 */
export interface SearchPlan {
  ranked: boolean;
  /** The kept words OR-ed, as an FTS5 expression (the FTS5 path, and snippets). */
  match: string;
  /** Lower-case single words, for snippets. */
  words: string[];
  terms: TermQuery[];
  /** Phrases for FTS5 to find, each a group of its own. */
  phrases: { fts: string; group: number }[];
  groups: number;
}

/** Words OR-ed at most (the longest questions stay cheap). */
export const MAX_PLAIN_TERMS = 16;
/** Score weight of a word's exact form, on top of its stem's (dev sets: 0.3–1 alike). */
export const EXACT_WEIGHT = 0.5;

const SINGLE_TOKEN = /^[\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]+$/u;
const PARTS = /[\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]+/gu;
const NON_WORD = /[^\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]+/gu;

export function planPlain(words: readonly QueryWord[]): SearchPlan {
  const meaningful = words.filter(
    (w) => w.quoted || w.prefix || !(w.text.match(PARTS) ?? []).every(isStopword),
  );
  const kept = dedupe(meaningful.length > 0 ? meaningful : words).slice(0, MAX_PLAIN_TERMS);
  const isWord = (text: string) => SINGLE_TOKEN.test(text) && segmentText(text) === text;
  // A compound (`out-of-tree`, `pr_debug`, `project's`) counts as its words. (Also as
  // the phrase: no better on the dev sets, and an FTS5 phrase of common words costs ms.)
  // A quoted phrase, or CJK text, is the phrase only.
  const single: string[] = [];
  const phraseWords: QueryWord[] = [];
  for (const w of kept) {
    if (w.prefix) continue;
    if (isWord(w.text)) single.push(fold(w.text.normalize("NFC")));
    else if (w.quoted || !isWord(w.text.replace(NON_WORD, ""))) phraseWords.push(w);
    else {
      const parts = (w.text.match(PARTS) ?? []).map((p) => fold(p.normalize("NFC")));
      const content = parts.filter((p) => !isStopword(p));
      single.push(...(content.length > 0 ? content : parts));
    }
  }
  const groupsOf = [...new Set(single)];
  const terms: TermQuery[] = [];
  groupsOf.forEach((w, group) => {
    const s = stem(w);
    terms.push({ term: s, weight: 1, group });
    if (s !== w) terms.push({ term: EXACT + w, weight: EXACT_WEIGHT, group });
  });
  const phrases = phraseWords.map((w, i) => ({ fts: w.fts, group: groupsOf.length + i }));
  return {
    ranked: !kept.some((w) => w.prefix),
    match: kept.map((w) => w.fts).join(" OR "),
    words: groupsOf,
    terms,
    phrases,
    groups: groupsOf.length + phraseWords.length,
  };
}

function dedupe(words: readonly QueryWord[]): QueryWord[] {
  const seen = new Set<string>();
  return words.filter((w) => {
    const key = w.fts.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
