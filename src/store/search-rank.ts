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
const SUPPORT_WEIGHT = 0.3;

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

const WORD = /[\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]+/gu;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Matches any of `words` as a whole word, case-insensitively. */
export function wholeWords(words: readonly string[]): RegExp | null {
  if (words.length === 0) return null;
  return new RegExp(
    `(?<![\\p{L}\\p{N}])(?:${words.map(escapeRegExp).join("|")})(?![\\p{L}\\p{N}])`,
    "iu",
  );
}

/**
 * A snippet made in JS, for passages found through the stemmed index (it stores no text
 * for FTS5's snippet() to read): the window of `tokens` words holding the most query
 * words, those marked. `matches(word)` says whether a lower-case word is a query word (or
 * one of its stemmed forms).
 */
export function snippetOf(
  text: string,
  matches: (lowerWord: string) => boolean,
  open: string,
  close: string,
  tokens: number,
): string {
  const spans: { start: number; end: number; hit: boolean }[] = [];
  for (const m of text.matchAll(WORD)) {
    spans.push({ start: m.index, end: m.index + m[0].length, hit: matches(m[0].toLowerCase()) });
    if (spans.length > 20_000) break;
  }
  if (spans.length === 0) return text.slice(0, 200);
  let best = 0;
  let bestHits = -1;
  let hits = 0;
  for (let i = 0; i < spans.length; i++) {
    if (spans[i]!.hit) hits++;
    if (i >= tokens && spans[i - tokens]!.hit) hits--;
    if (hits > bestHits) {
      bestHits = hits;
      best = Math.max(0, i - tokens + 1);
    }
  }
  // Start a little before the first hit of the window, so it is not the first word shown.
  const from = best;
  const to = Math.min(spans.length, from + tokens);
  let out = from > 0 ? "…" : "";
  let pos = spans[from]!.start;
  for (let i = from; i < to; i++) {
    const s = spans[i]!;
    out += text.slice(pos, s.start);
    out += s.hit ? `${open}${text.slice(s.start, s.end)}${close}` : text.slice(s.start, s.end);
    pos = s.end;
  }
  if (to < spans.length) out += "…";
  return out.replace(/\s+/g, " ");
}
