/**
 * JSON-RPC ids as the client sent them. A number parses to a double, so an integer id
 * beyond 2^53 - 1 (9007199254740993) would come back changed (9007199254740992) and
 * match the wrong request on the client's side. Such ids are refused with -32600
 * instead; a string id of any size is echoed as is.
 */
export const ID_RULE =
  "id must be a string or an integer from -9007199254740991 to 9007199254740991 (send larger ids as strings)";

/** An id that survives JSON.parse → JSON.stringify unchanged. */
export function isExactId(value: unknown): value is string | number {
  return typeof value === "string" || Number.isSafeInteger(value);
}
