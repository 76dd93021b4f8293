import type { SQL } from "bun";
import { contentTypeFor } from "../content.ts";
import type { FileInfo } from "../files.ts";
import { num, numOrNull } from "./rows.ts";

/** A row of `files` as the PostgreSQL file store reads and writes it. */
export interface FileRow {
  id: number;
  path: string;
  hash: string;
  size: number;
  content_type: string;
  is_text: boolean;
  lines: number | null;
  created_at: number;
  updated_at: number;
}

export function toRow(r: Record<string, unknown>): FileRow {
  return {
    id: num(r.id),
    path: String(r.path),
    hash: String(r.hash),
    size: num(r.size),
    content_type: String(r.content_type),
    is_text: r.is_text === true,
    lines: numOrNull(r.lines),
    created_at: num(r.created_at),
    updated_at: num(r.updated_at),
  };
}

export function toInfo(row: FileRow): FileInfo {
  return {
    path: row.path,
    size: row.size,
    sha256: row.hash,
    content_type: row.content_type,
    is_text: row.is_text,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/** The file's row, locked until the transaction ends (a writer of the same path waits). */
export async function lockedRow(tx: SQL, path: string): Promise<FileRow | undefined> {
  const [r] = await tx`SELECT * FROM files WHERE path = ${path} FOR UPDATE`;
  return r ? toRow(r) : undefined;
}

/** Creates or replaces the row of `path`, keeping its created_at; returns it. */
export async function upsertRow(
  tx: SQL,
  f: { path: string; hash: string; size: number; isText: boolean; lines: number | null },
  now: number,
): Promise<FileRow> {
  const [r] =
    await tx`INSERT INTO files (path, hash, size, content_type, is_text, lines, created_at, updated_at)
    VALUES (${f.path}, ${f.hash}, ${f.size}, ${contentTypeFor(f.path, f.isText)}, ${f.isText},
      ${f.lines}, ${now}, ${now})
    ON CONFLICT (path) DO UPDATE SET hash = excluded.hash, size = excluded.size,
      content_type = excluded.content_type, is_text = excluded.is_text,
      updated_at = excluded.updated_at, lines = excluded.lines
    RETURNING *`;
  return toRow(r);
}
