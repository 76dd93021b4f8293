import { badRequest, notFound } from "../errors.ts";

/*
 * What both file stores (SQLite files.ts, PostgreSQL pg/files.ts) answer alike: the
 * listing cursor and the missing-file error.
 */

/** The opaque `next_cursor` of list_files: the last path returned. */
export function encodeFileCursor(path: string): string {
  return Buffer.from(JSON.stringify({ after: path })).toString("base64url");
}

export function decodeFileCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (typeof parsed?.after === "string") return parsed.after;
  } catch {}
  throw badRequest(
    "invalid_cursor",
    "cursor is not one this server returned; start again without it",
  );
}

export const fileNotFound = (path: string) =>
  notFound("file_not_found", `no file at "${path}" (list_files shows what exists)`);
