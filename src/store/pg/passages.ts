import type { SQL } from "bun";
import type { Passage } from "../chunk.ts";
import { passagesForIndex } from "../index-passages.ts";
import { passageFields } from "../passage-fields.ts";
import { searchWords, TS_CONFIG } from "./tsquery.ts";

/**
 * Writes a file's search rows, inside the caller's transaction: a row per passage with one
 * weighted tsvector — A: the file's path and title (first passage only), B: the headings
 * above it, D: its body (body kept as written, for snippets) — and the file's title in search_titles (for the
 * title exactness of search-rank.ts). Every field is split into words as quiver's
 * tokenizer splits them (searchWords).
 */
export async function indexText(tx: SQL, fileId: number, path: string, text: string) {
  await indexPassages(tx, fileId, path, passagesForIndex(text));
}

export async function indexPassages(
  tx: SQL,
  fileId: number,
  path: string,
  passages: Passage[],
): Promise<void> {
  if (passages.length === 0) return;
  const { title, headings } = passageFields(passages);
  const head = searchWords(`${searchWords(path)} ${title}`);
  const rows = passages.map((p, i) => ({
    ls: p.line_start,
    le: p.line_end,
    // PostgreSQL text cannot hold NUL.
    body: p.text.replace(/\u0000/g, " "),
    words: searchWords(p.text),
    heads: searchWords(headings[i] ?? ""),
    // As on SQLite (ranked-load.ts): the path and title describe the file once, on its
    // first passage; the others are found for what they say (and the file as a whole is
    // scored apart, search-rank.ts).
    head: i === 0 ? head : "",
  }));
  await tx.unsafe(
    `INSERT INTO passages (file_id, line_start, line_end, body, doc)
     SELECT $1::bigint, x.ls, x.le, x.body,
       setweight(to_tsvector('${TS_CONFIG}', x.head), 'A') ||
       setweight(to_tsvector('${TS_CONFIG}', x.heads), 'B') ||
       setweight(to_tsvector('${TS_CONFIG}', x.words), 'D')
     FROM jsonb_to_recordset($2::text::jsonb) AS x(ls int, le int, body text, words text, heads text, head text)`,
    [fileId, JSON.stringify(rows)],
  );
  await tx`INSERT INTO search_titles (file_id, title) VALUES (${fileId}, ${title.replace(/\u0000/g, " ")})
    ON CONFLICT (file_id) DO UPDATE SET title = EXCLUDED.title`;
}

export async function removePassages(tx: SQL, fileId: number): Promise<void> {
  await tx`DELETE FROM passages WHERE file_id = ${fileId}`;
  await tx`DELETE FROM search_titles WHERE file_id = ${fileId}`;
}
