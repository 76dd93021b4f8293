import type { AuthorizationRequest } from "../oauth/authorize-request.ts";
import { PENDING_TTL_MS, type Pending } from "../oauth/pending.ts";
import { pageHeaders } from "../web/page.ts";

/* What the OAuth routes (routes-oauth.ts) say in HTTP: CORS, the consent cookie, pages. */

/** OAuth's JSON endpoints are called with no cookie and no ambient authority: any origin may call them. */
export const OPEN_CORS = { "access-control-allow-origin": "*" };
export const withCors = (response: Response) => {
  response.headers.set("access-control-allow-origin", "*");
  return response;
};
export const preflight = () =>
  new Response(null, {
    status: 204,
    headers: {
      ...OPEN_CORS,
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "content-type, authorization, mcp-protocol-version",
      "access-control-max-age": "600",
    },
  });

/**
 * The consent page's cookie: it names the browser that was shown the page, so a decision
 * posted from anywhere else (another site's form, another browser) does not count. Scoped
 * to /authorize, HttpOnly, SameSite=Strict (the decision is a same-origin form post, on
 * which Strict cookies are sent; only the arrival from claude.ai is cross-site, and this
 * cookie is set by that arrival's response, not read from it), gone after 10 minutes.
 */
export const cookieName = (id: string) =>
  `quiver_consent_${id.slice(0, 16).replace(/[^A-Za-z0-9_-]/g, "")}`;
export function consentCookie(p: Pending, publicUrl: string): string {
  const secure = publicUrl.startsWith("https:") ? "; Secure" : "";
  return `${cookieName(p.id)}=${p.browserKey}; Path=/authorize; Max-Age=${PENDING_TTL_MS / 1000}; HttpOnly; SameSite=Strict${secure}`;
}

export function cookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * A page with the shell's headers (src/web/page.ts: nothing may frame it — clickjacking of
 * the Approve button —, no inline script), and no script at all: the consent page needs
 * none. Its form posts here and then goes on to the client's redirect URI, which
 * form-action must name too (Chromium applies it to the redirect that follows the post).
 */
export function html(
  body: string,
  status: number,
  req?: AuthorizationRequest,
  headers: Record<string, string> = {},
): Response {
  const target = req ? new URL(req.redirectUri) : undefined;
  const back = target ? (target.origin !== "null" ? target.origin : target.protocol) : "";
  const shell = pageHeaders("text/html; charset=utf-8");
  const csp = shell["content-security-policy"]!.replace("script-src 'self'", "script-src 'none'")
    .replace("connect-src 'self'", "connect-src 'none'")
    .replace("form-action 'self'", `form-action 'self'${back ? ` ${back}` : ""}`);
  return new Response(body, {
    status,
    headers: { ...shell, "content-security-policy": csp, ...headers },
  });
}
