import type { Database } from "bun:sqlite";
import { passageFields } from "./passage-fields.ts";
import type { RankedIndex } from "./ranked-index.ts";
import { fold, type TermDictionary } from "./search-terms.ts";
import { isStopword } from "./stopwords.ts";

/**
 * Fills the ranked indexes (ranked-index.ts) from the database: each passage as
 * passages_fts stores its text, and each file as one document of all its passages.
 * A file's path and title count on its first passage only: they describe the file
 * once, so a question about its subject finds the file, and its other passages are
 * found for what they say themselves.
 */
export interface StoredPassage {
  id: number;
  text: string;
}

export interface RankedIndexes {
  dict: TermDictionary;
  passages: RankedIndex;
  files: RankedIndex;
}

export function addFile(
  to: RankedIndexes,
  fileId: number,
  path: string,
  passages: readonly StoredPassage[],
): void {
  if (passages.length === 0) return;
  const { title, headings } = passageFields(
    passages.map((p) => ({ text: p.text, line_start: 0, line_end: 0 })),
  );
  const scan = (text: string): [number[], number] => {
    const ids: number[] = [];
    const n = to.dict.scan(text, (t) => ids.push(t));
    return [ids, n];
  };
  // The body's terms with their word numbers (for proximity, ranked-proximity.ts).
  const words: number[] = [];
  const scanBody = (text: string): [number[], number] => {
    const ids: number[] = [];
    words.length = 0;
    const n = to.dict.scan(text, (t, w) => {
      ids.push(t);
      words.push(w);
    });
    return [ids, n];
  };
  const [pathIds, pathLen] = scan(path);
  const [titleIds, titleLen] = scan(title);
  const whole = { headings: [] as number[], body: [] as number[], headingsLen: 0, bodyLen: 0 };
  const seenHeadings = new Set<string>();
  const none: number[] = [];
  passages.forEach((p, i) => {
    const [h, hLen] = scan(headings[i]!);
    const [body, bodyLen] = scanBody(p.text);
    const first = i === 0;
    to.passages.add(
      p.id,
      fileId,
      // In FIELDS order: body, headings, title, path.
      [body, h, first ? titleIds : none, first ? pathIds : none],
      [bodyLen, hLen, first ? titleLen : 0, first ? pathLen : 0],
      { bodyWords: words },
    );
    // The file as a whole: its headings once each (every passage repeats those above it).
    if (!seenHeadings.has(headings[i]!)) {
      seenHeadings.add(headings[i]!);
      for (const t of h) whole.headings.push(t);
      whole.headingsLen += hLen;
    }
    for (const t of body) whole.body.push(t);
    whole.bodyLen += bodyLen;
  });
  to.passages.paths.set(fileId, path);
  to.files.add(
    fileId,
    fileId,
    [whole.body, whole.headings, titleIds, pathIds],
    [whole.bodyLen, whole.headingsLen, titleLen, pathLen],
    { titleWords: meaningfulWords(title) },
  );
}

export function removeFile(from: RankedIndexes, fileId: number): void {
  from.passages.removeFile(fileId);
  from.files.removeFile(fileId);
}

/** Files' passages, file by file (ids ascending from `after`), `batch` files per query. */
export function* storedFiles(
  db: Database,
  opts: { after?: number; batch?: number } = {},
): Generator<{ fileId: number; path: string; passages: StoredPassage[] }> {
  const batch = opts.batch ?? 100;
  const files = db.prepare<{ id: number; path: string }, [number, number]>(
    "SELECT id, path FROM files WHERE id > ? AND is_text = 1 ORDER BY id LIMIT +?",
  );
  const passages = db.prepare<{ file_id: number; id: number; text: string }, [number, number]>(
    `SELECT p.file_id, p.id, x.text FROM passages p JOIN passages_fts x ON x.rowid = p.id
     WHERE p.file_id >= ? AND p.file_id <= ? ORDER BY p.file_id, p.id`,
  );
  let after = opts.after ?? 0;
  for (;;) {
    const some = files.all(after, batch);
    if (some.length === 0) return;
    const first = some[0]!.id;
    const last = some[some.length - 1]!.id;
    const byFile = new Map<number, StoredPassage[]>();
    for (const r of passages.all(first, last)) {
      let list = byFile.get(r.file_id);
      if (!list) byFile.set(r.file_id, (list = []));
      list.push({ id: r.id, text: r.text });
    }
    for (const f of some) yield { fileId: f.id, path: f.path, passages: byFile.get(f.id) ?? [] };
    after = last;
  }
}

/** One file's passages now (none when it is gone or not text). */
export function storedFile(
  db: Database,
  fileId: number,
): { path: string; passages: StoredPassage[] } | null {
  const file = db
    .query<{ path: string }, [number]>("SELECT path FROM files WHERE id = ? AND is_text = 1")
    .get(fileId);
  if (!file) return null;
  const passages = db
    .query<StoredPassage, [number]>(
      `SELECT p.id, x.text FROM passages p JOIN passages_fts x ON x.rowid = p.id
       WHERE p.file_id = ? ORDER BY p.id`,
    )
    .all(fileId);
  return { path: file.path, passages };
}

const WORDS = /[\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]+/gu;

/** Distinct words of `text` that are not stopwords (what a query's words can match). */
function meaningfulWords(text: string): number {
  const seen = new Set<string>();
  for (const m of text.matchAll(WORDS)) {
    const w = fold(m[0]);
    if (!isStopword(w)) seen.add(w);
  }
  return seen.size;
}
