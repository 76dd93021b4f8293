import { badRequest } from "../errors.ts";

/**
 * Logical file paths. A path is only ever a database key — never joined onto a
 * filesystem path — so traversal is impossible by construction. We still normalise and
 * validate so that two spellings never name two files and so that names stay portable.
 *
 * Accepted: NFC-normalised, `/`-separated segments, no empty / `.` / `..` segments,
 * no leading `/`, no backslash, no control characters, no lone surrogates, no leftover
 * percent-encoding, at most 1024 UTF-8 bytes (and 255 per segment).
 */
export const MAX_PATH_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 255;

// C0 controls, DEL, C1 controls, and Unicode line/paragraph separators.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// A percent sign followed by two hex digits: the caller encoded twice, or hopes we decode
// again somewhere. Refused so that `%2e%2e` can never become `..` further down.
const PERCENT_ENCODED = /%[0-9a-fA-F]{2}/;
const encoder = new TextEncoder();

export function normalizePath(input: unknown, field = "path"): string {
  if (typeof input !== "string") throw badRequest("invalid_path", `${field} must be a string`);
  if (input.length === 0) throw badRequest("invalid_path", `${field} must not be empty`);
  // A lone surrogate (JSON allows "\ud800") has no UTF-8 form: SQLite would store U+FFFD
  // for it, and "a\ud800" and "a\ud801" would become one file, the second overwriting.
  if (!input.isWellFormed())
    throw badRequest(
      "invalid_path",
      `${field} must be valid Unicode (it contains a lone surrogate, half of a UTF-16 pair)`,
    );
  if (CONTROL.test(input))
    throw badRequest("invalid_path", `${field} must not contain control characters`);
  if (input.includes("\\"))
    throw badRequest("invalid_path", `${field} must use "/" as separator, not "\\"`);
  if (PERCENT_ENCODED.test(input))
    throw badRequest("invalid_path", `${field} must not contain percent-encoded characters`);
  if (input.startsWith("/"))
    throw badRequest("invalid_path", `${field} must be relative (no leading "/")`);
  if (/^[A-Za-z]:/.test(input))
    throw badRequest("invalid_path", `${field} must not start with a drive letter`);
  const path = input.normalize("NFC");
  if (encoder.encode(path).length > MAX_PATH_BYTES)
    throw badRequest("invalid_path", `${field} is longer than ${MAX_PATH_BYTES} bytes`);
  for (const segment of path.split("/")) {
    if (segment === "")
      throw badRequest(
        "invalid_path",
        `${field} must not contain empty segments ("//" or a trailing "/")`,
      );
    if (segment === "." || segment === "..")
      throw badRequest("invalid_path", `${field} must not contain "." or ".." segments`);
    if (segment.trim() === "")
      throw badRequest("invalid_path", `${field} must not contain blank segments`);
    if (encoder.encode(segment).length > MAX_SEGMENT_BYTES)
      throw badRequest(
        "invalid_path",
        `${field} has a segment longer than ${MAX_SEGMENT_BYTES} bytes`,
      );
  }
  return path;
}

/**
 * A prefix for listing/search filters: same rules as a path, but may be empty and may end
 * with "/" ("docs/" lists the folder, "docs" also matches "docs-old.txt").
 */
export function normalizePrefix(input: unknown, field = "prefix"): string {
  if (input === undefined || input === "") return "";
  if (typeof input !== "string") throw badRequest("invalid_path", `${field} must be a string`);
  const trailingSlash = input.endsWith("/");
  const body = trailingSlash ? input.slice(0, -1) : input;
  if (body === "")
    throw badRequest("invalid_path", `${field} must not be "/"; omit it to match everything`);
  return normalizePath(body, field) + (trailingSlash ? "/" : "");
}

/**
 * The smallest string greater than every string that starts with `prefix`, in SQLite's
 * order for TEXT (UTF-8 bytes, which is code point order), or undefined when there is
 * none to give (empty prefix). `path >= prefix AND path < prefixEnd(prefix)` selects the
 * prefix's paths with the index; the old bound, prefix + U+10FFFF, left out the paths that
 * continue with U+10FFFF itself.
 */
export function prefixEnd(prefix: string): string | undefined {
  const chars = [...prefix];
  while (chars.length) {
    const last = chars.pop()!.codePointAt(0)!;
    if (last === 0x10ffff) continue; // no successor: carry into the character before
    // The next code point, skipping the surrogate range (not characters of their own).
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    return chars.join("") + String.fromCodePoint(next);
  }
  return undefined;
}
