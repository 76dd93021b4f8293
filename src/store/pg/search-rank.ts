import { FIELD_B, FIELD_WEIGHT, K1, NAMED_COORD, TITLE_EXACT } from "../ranked-index.ts";
import { COORD } from "../ranked-query.ts";
import { MAX_PASSAGES_PER_FILE, SUPPORT_WEIGHT } from "../search-rank.ts";
import { fold, stem } from "../search-terms.ts";
import { isStopword } from "../stopwords.ts";

/**
 * The file-level ranking SQLite's ranked index applies (ranked-query.ts, ranked-index.ts),
 * over PostgreSQL's candidate passages. A file scores as its best passage, plus
 * SUPPORT_WEIGHT of its next, plus the score of the file as a whole (FileStats: a file about
 * the subject mentions it throughout, in its title and path most of all), and shows at most
 * MAX_PASSAGES_PER_FILE passages, its best first. The whole-file score counts more for a
 * file whose path and title hold the query's words (NAMED), and most of all for one whose
 * title *is* the query — its words are all of the title's meaningful ones (TITLE_EXACT,
 * Meilisearch's exactness rule). Words are compared as quiver's own tokenizer and stemmer
 * see them, the same on both engines; the weights are SQLite's.
 */
const NAMED = NAMED_COORD;
/** BM25F over a whole file, with SQLite's field weights, K1, body b and COORD. */
const TITLE_WEIGHT = FIELD_WEIGHT.title;
const PATH_WEIGHT = FIELD_WEIGHT.path;
const B = FIELD_B.body;

export interface Candidate {
  id: number;
  fileId: number;
  path: string;
  line_start: number;
  line_end: number;
  /** The file's title (search_titles), when it has one. */
  title: string | null;
  score: number;
  /** Whether the passage matches by its own text, not only by its file's path and title. */
  own: boolean;
}

/** A query word, as search-plan.ts weighs it. */
export interface RankTerm {
  text: string;
  idf: number;
}

/** Per file: its passage count, and per RankTerm how many of its passages hold the word. */
export interface FileStats {
  passages: number;
  holding: number[];
}

const WORDS = /[\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]+/gu;

/** The distinct stems of a text's meaningful (non-stop) words. */
function stemsOf(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(WORDS)) {
    const w = fold(m[0]);
    if (!isStopword(w)) out.add(stem(w));
  }
  return out;
}

const holdsAll = (have: Set<string>, want: Set<string>) =>
  want.size > 0 && [...want].every((s) => have.has(s));

/**
 * Candidates in page order. `terms`: the query's words (none for a query with operators:
 * then files are only grouped); `stats`, by file id, and `avgPassages` for the whole-file
 * score.
 */
export function rankFiles(
  candidates: readonly Candidate[],
  terms: readonly RankTerm[],
  stats: ReadonlyMap<number, FileStats>,
  avgPassages: number,
): Candidate[] {
  const words = terms.map((t) => stemsOf(t.text));
  const files = new Map<string, { score: number; hits: Candidate[] }>();
  const sorted = [...candidates].sort((a, b) => b.score - a.score || a.id - b.id);
  for (const c of sorted) {
    let f = files.get(c.path);
    if (!f) files.set(c.path, (f = { score: wholeFile(c), hits: [] }));
    if (f.hits.length >= MAX_PASSAGES_PER_FILE) continue;
    // Every passage carries its file's path and title: a later one must match by its own text.
    if (f.hits.length > 0 && !c.own) continue;
    f.score += f.hits.length === 0 ? c.score : SUPPORT_WEIGHT * c.score;
    f.hits.push(c);
  }
  return [...files.values()].sort((a, b) => b.score - a.score).flatMap((f) => f.hits);

  function wholeFile(c: Candidate): number {
    const s = stats.get(c.fileId);
    if (!s || terms.length === 0) return 0;
    const title = stemsOf(c.title ?? "");
    const path = stemsOf(c.path);
    const norm = 1 - B + (B * s.passages) / Math.max(1, avgPassages);
    let score = 0;
    let matched = 0;
    let named = 0;
    let titled = 0;
    terms.forEach((t, i) => {
      const inTitle = holdsAll(title, words[i]!);
      const inPath = holdsAll(path, words[i]!);
      const tf =
        (s.holding[i] ?? 0) / norm + (inTitle ? TITLE_WEIGHT : 0) + (inPath ? PATH_WEIGHT : 0);
      if (tf > 0) matched++;
      if (inTitle || inPath) named++;
      if (inTitle) titled++;
      score += (t.idf * tf * (K1 + 1)) / (tf + K1);
    });
    const n = terms.length;
    const share = named / n;
    const exact = titled / Math.max(n, title.size);
    return (
      score *
      (1 - COORD + (COORD * matched) / n) *
      (1 + NAMED * share * share) *
      (1 + TITLE_EXACT * exact * exact)
    );
  }
}
