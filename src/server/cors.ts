/*
 * CORS for browser-based MCP clients on an allowed Origin (see origin.ts; the MCP
 * Inspector's page, a web app named with --allow-origin). Preflights carry no token,
 * so they are answered before authentication; real responses, errors included, get
 * the headers so the page can read a 401's challenge.
 */

import { type CheckedPolicy, checkOriginAndHost } from "./origin.ts";

const ALLOW_HEADERS =
  "authorization, content-type, accept, mcp-protocol-version, mcp-method, mcp-name, last-event-id";
const EXPOSE_HEADERS = "www-authenticate, x-request-id";

export function preflight(): Response {
  return new Response(null, {
    status: 204,
    headers: {
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": ALLOW_HEADERS,
      "access-control-max-age": "600",
    },
  });
}

/**
 * Checks Origin and Host (403 otherwise) and, for a request from an allowed browser
 * origin, adds the CORS headers to what the response will carry.
 */
export function guardOrigin(
  headers: Headers,
  policy: CheckedPolicy,
  responseHeaders: Record<string, string | number>,
): void {
  checkOriginAndHost(headers, policy);
  const origin = headers.get("origin");
  if (origin === null) return;
  responseHeaders["access-control-allow-origin"] = origin;
  responseHeaders["access-control-expose-headers"] = EXPOSE_HEADERS;
  responseHeaders.vary = "Origin";
}
