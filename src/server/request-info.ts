import type { StreamEnd } from "../store/blob-reader.ts";

/**
 * What the access log and the error renderer need to know about a request that only its
 * handler learns (the tool called, the token's name, the client's address, extra
 * challenge parameters). Keyed by the Request object, so nothing leaks across requests
 * and nothing needs cleaning up.
 */
export interface RequestInfo {
  id: string;
  tool?: string;
  token?: string;
  /** The client's address, looked up only when needed (a failed authentication). */
  address?: () => string | undefined;
  /** Added to a WWW-Authenticate challenge, e.g. /mcp's resource_metadata (RFC 9728); built only for a challenge. */
  challengeParams?: (request: Request) => string;
  /** The common response headers were given when the response was built (see response-headers.ts). */
  stamped?: boolean;
  /**
   * Set by a route whose body is streamed from a stored file: settles when the body has
   * been sent, the client left, or a read failed. The access line waits for it, so it says
   * what the client got, not what the headers promised.
   */
  bodyEnd?: Promise<StreamEnd>;
}

const infos = new WeakMap<Request, RequestInfo>();
let counter = 0;
const prefix = Math.floor(Math.random() * 36 ** 4)
  .toString(36)
  .padStart(4, "0");

export function startRequest(request: Request): RequestInfo {
  const info = { id: `${prefix}-${(++counter).toString(36)}` };
  infos.set(request, info);
  return info;
}

export function requestInfo(request: Request): RequestInfo {
  return infos.get(request) ?? startRequest(request);
}
