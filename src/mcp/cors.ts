import { checkOriginAndHost, type OriginPolicy } from "./origin.ts";

/**
 * CORS for browser-based MCP clients on an allowed Origin (see origin.ts; the MCP
 * Inspector's page, a web app named with --allow-origin). Preflights carry no token,
 * so they are answered before authentication; real responses, errors included, get
 * the headers so the page can read a 401's challenge.
 */
const ALLOW_HEADERS =
  "authorization, content-type, accept, mcp-protocol-version, mcp-method, mcp-name, last-event-id";
const EXPOSE_HEADERS = "www-authenticate, x-request-id";

function allowedOrigin(request: Request, policy: OriginPolicy): string | undefined {
  const origin = request.headers.get("origin");
  if (origin === null) return undefined;
  try {
    checkOriginAndHost(request.headers, policy);
    return origin;
  } catch {
    return undefined;
  }
}

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

export function withCors(request: Request, response: Response, policy: OriginPolicy): Response {
  const origin = allowedOrigin(request, policy);
  if (origin) {
    response.headers.set("access-control-allow-origin", origin);
    response.headers.set("access-control-expose-headers", EXPOSE_HEADERS);
    response.headers.append("vary", "Origin");
  }
  return response;
}
