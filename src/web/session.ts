/**
 * Browser sessions for quiver's own pages: the web console, and any other page quiver
 * serves to a person (the OAuth consent page). How such a page uses this module:
 *
 * - Sign in: the browser sends a quiver token once, in an `Authorization: Bearer` header
 *   (the console's sign-in form does it with fetch; a token never goes into a URL or into
 *   localStorage), to a route declared `{ auth: "read" }`; that route calls
 *   `sessions.open(caller, request)` and answers with its `cookie` in `Set-Cookie` and its
 *   `csrf` in the body (see POST /console/session in src/web/routes.ts).
 * - Every later request carries the cookie (HttpOnly, SameSite=Strict). The auth plugin
 *   (src/server/auth.ts) accepts it wherever a bearer token is accepted, as the token the
 *   session was opened with (same scope, same rate limit), and refuses a method other
 *   than GET/HEAD without the CSRF token in the `X-CSRF-Token` header (403 csrf_failed).
 * - A server-rendered page (the consent page) calls `sessions.current(request)`: undefined
 *   means "show the sign-in form" (src/web/page.ts renders the shared shell; the console's
 *   script signs in); otherwise it gets `{caller, csrf}`, puts `csrf` in a hidden form field
 *   and, when the form is posted, checks it with `sessions.csrfMatches(session, value)`.
 * - Sign out: `sessions.close(request)` ends the session; answer with the cookie it returns.
 *
 * A session is bounded (12 h from sign-in, 2 h idle, 10 per token, 1000 in all: see
 * src/store/sessions.ts) and ends as soon as its token is revoked (checked on every use).
 */
import { timingSafeEqual } from "node:crypto";
import { AuthError } from "../errors.ts";
import { type Awaitable, then } from "../store/awaitable.ts";
import type { Sessions } from "../store/interfaces/sessions.ts";
import type { Tokens } from "../store/interfaces/tokens.ts";
import { type Caller, sha256Hex } from "../store/tokens.ts";

export const SESSION_COOKIE = "quiver_session";
export const CSRF_HEADER = "x-csrf-token";
const SECRET = /^[A-Za-z0-9_-]{43}$/;
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface WebSession {
  caller: Caller;
  /** Sent back in `X-CSRF-Token` (or a form field) with every request that changes something. */
  csrf: string;
  expiresAt: number;
  idHash: string;
}

export class WebSessions {
  constructor(
    private readonly store: Sessions,
    private readonly tokens: Tokens,
  ) {}

  /** Opens a session for a caller who just authenticated with a bearer token. */
  async open(
    caller: Caller,
    request: Request,
  ): Promise<{ cookie: string; csrf: string; expiresAt: number }> {
    const secret = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url");
    const row = await this.store.create(sha256Hex(secret), this.tokens.refOf(caller));
    const maxAge = Math.round((row.expires_at - Date.now()) / 1000);
    return {
      cookie: serializeCookie(SESSION_COOKIE, secret, maxAge, isHttps(request)),
      csrf: csrfOf(secret),
      expiresAt: row.expires_at,
    };
  }

  /**
   * The request's live session, or undefined (no cookie, expired, signed out, token
   * revoked). Synchronous on synchronous stores, as the auth plugin needs (src/server/auth.ts).
   */
  current(request: Request): Awaitable<WebSession | undefined> {
    const secret = sessionSecret(request);
    if (!secret) return undefined;
    const idHash = sha256Hex(secret);
    return then(this.store.find(idHash), (row) => {
      if (!row) return undefined;
      return then(this.tokens.callerByRef(row.token_ref), (caller) => {
        if (!caller) return then(this.store.endAllFor(row.token_ref), () => undefined);
        return { caller, csrf: csrfOf(secret), expiresAt: row.expires_at, idHash };
      });
    });
  }

  /** Ends the request's session (if any); returns the Set-Cookie value that clears it. */
  async close(request: Request): Promise<string> {
    const secret = sessionSecret(request);
    if (secret) await this.store.end(sha256Hex(secret));
    return serializeCookie(SESSION_COOKIE, "", 0, isHttps(request));
  }

  /**
   * A request that changes something must prove it comes from our own page: the CSRF
   * token in the X-CSRF-Token header (a foreign page can neither read it nor set that
   * header cross-origin), and no foreign Origin.
   */
  checkCsrf(request: Request, session: WebSession): void {
    if (SAFE_METHODS.has(request.method)) return;
    const origin = request.headers.get("origin");
    // The server's URL is built from the Host header the browser sent.
    if (origin !== null && hostOf(origin) !== new URL(request.url).host.toLowerCase())
      throw csrfFailed(`requests from Origin ${JSON.stringify(origin)} cannot use this session`);
    if (!this.csrfMatches(session, request.headers.get(CSRF_HEADER)))
      throw csrfFailed(
        `send the session's CSRF token in the ${CSRF_HEADER} header (GET /console/session gives it)`,
      );
  }

  /** Constant-time comparison of a presented CSRF token with the session's. */
  csrfMatches(session: WebSession, presented: string | null | undefined): boolean {
    if (typeof presented !== "string" || presented.length !== session.csrf.length) return false;
    return timingSafeEqual(Buffer.from(presented), Buffer.from(session.csrf));
  }
}

/** Whether the request carries a session cookie at all (valid or not). */
export function hasSessionCookie(request: Request): boolean {
  return sessionSecret(request) !== undefined;
}

function sessionSecret(request: Request): string | undefined {
  const header = request.headers.get("cookie");
  if (!header) return undefined;
  const value = parseCookies(header).get(SESSION_COOKIE);
  return value && SECRET.test(value) ? value : undefined;
}

/** A derived value, so nothing more is stored: knowing it reveals nothing of the cookie. */
function csrfOf(secret: string): string {
  return sha256Hex(`csrf:${secret}`);
}

/** `a=1; b=2` → {a: "1", b: "2"}; the first of repeated names wins (RFC 6265 §5.4). */
export function parseCookies(header: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name && !out.has(name)) out.set(name, part.slice(eq + 1).trim());
  }
  return out;
}

/** HttpOnly (no script reads it), SameSite=Strict (no other site sends it), Path=/. */
export function serializeCookie(
  name: string,
  value: string,
  maxAgeSeconds: number,
  secure: boolean,
): string {
  const parts = [`${name}=${value}`, "Path=/", "HttpOnly", "SameSite=Strict"];
  parts.push(`Max-Age=${Math.max(0, maxAgeSeconds)}`);
  if (secure) parts.push("Secure");
  return parts.join("; ");
}

/**
 * Secure when the browser reached us over HTTPS: directly, or through a proxy that says
 * so. Believing the header can only add the flag, which helps no attacker.
 */
function isHttps(request: Request): boolean {
  return (
    request.url.startsWith("https:") ||
    request.headers.get("x-forwarded-proto")?.toLowerCase() === "https"
  );
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}

const csrfFailed = (message: string) => new AuthError(403, "csrf_failed", message, {});
