/*
 * Stored files as MCP resource URIs: `quiver://files/<path>`, each segment of the path
 * percent-encoded as encodeURIComponent does (UTF-8; everything but A-Z a-z 0-9 - _ . ! ~
 * * ' ( ) encoded), segments joined with "/". That is the canonical form `resources/list`
 * answers with. Reading accepts any percent-encoding of the same path (a client expanding
 * the template `quiver://files/{+path}` leaves "/" and other reserved characters as they
 * are): the rest of the URI is decoded once and must then be a valid stored path. Stored
 * paths never contain "%XX" (paths.ts refuses it), so decoding once is unambiguous and a
 * twice-encoded URI is refused rather than decoded again.
 */

import { QuiverError } from "../errors.ts";
import { normalizePath } from "../store/paths.ts";
import { INVALID_PARAMS, RpcError } from "./jsonrpc.ts";

export const FILE_URI_PREFIX = "quiver://files/";
/** RFC 6570 reserved expansion: "/" in the path stays "/". */
export const FILE_URI_TEMPLATE = `${FILE_URI_PREFIX}{+path}`;

/** Paths made only of what encodeURIComponent leaves alone (and "/"): most of them. */
const NOTHING_TO_ENCODE = /^[A-Za-z0-9\-_.!~*'()/]*$/;

export function fileUri(path: string): string {
  // Every tool result that names files makes links (resource-links.ts): skip the split
  // and re-join when no segment would change.
  if (NOTHING_TO_ENCODE.test(path)) return FILE_URI_PREFIX + path;
  return FILE_URI_PREFIX + path.split("/").map(encodeURIComponent).join("/");
}

/** The stored path a resource URI names; anything else is invalid params (-32602). */
export function pathOfUri(uri: unknown): string {
  if (typeof uri !== "string")
    throw new RpcError(INVALID_PARAMS, "params.uri must be a string, e.g. quiver://files/notes.md");
  if (!uri.startsWith(FILE_URI_PREFIX))
    throw new RpcError(
      INVALID_PARAMS,
      `unknown resource ${JSON.stringify(uri.slice(0, 200))}: quiver's resources are ${FILE_URI_TEMPLATE} (resources/list lists them)`,
    );
  let decoded: string;
  try {
    decoded = decodeURIComponent(uri.slice(FILE_URI_PREFIX.length));
  } catch {
    throw new RpcError(
      INVALID_PARAMS,
      `resource URI ${JSON.stringify(uri.slice(0, 200))} has malformed percent-encoding`,
    );
  }
  try {
    return normalizePath(decoded, "the resource URI's path");
  } catch (err) {
    if (err instanceof QuiverError) throw new RpcError(INVALID_PARAMS, err.message);
    throw err;
  }
}
