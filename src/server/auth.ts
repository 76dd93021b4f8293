import { bearer } from "@elysiajs/bearer";
import { Elysia } from "elysia";
import type { Config } from "../config.ts";
import { AuthError } from "../errors.ts";
import { resourceFor } from "../oauth/metadata.ts";
import { type Awaitable, then } from "../store/awaitable.ts";
import type { Tokens } from "../store/interfaces/tokens.ts";
import { type Caller, type Scope, scopeAllows, type TokenProblem } from "../store/tokens.ts";
import { hasSessionCookie, type WebSessions } from "../web/session.ts";
import { RateLimiter } from "./rate-limit.ts";
import { requestInfo } from "./request-info.ts";

/**
 * @elysiajs/bearer extracts the common `Bearer <t>` form. It would also read a query
 * parameter; it is given a name no URL can produce (percent-decoding never yields a lone
 * surrogate), so it never does. It matches the scheme case-sensitively and mis-slices
 * `BearerX`, so its value is used only when the header has the exact form; otherwise the
 * scheme is matched here case-insensitively (RFC 7235). The decisions (400/401/403/429,
 * the digest lookup) are ours.
 */
const NO_QUERY_PARAMETER = "\uD800";
const BEARER = /^bearer +([\x21-\x7e]+) *$/i;

/** What a 401 says about a refused token (RFC 6750 error_description). */
const PROBLEMS: Record<TokenProblem | "malformed", string> = {
  unknown: "the bearer token is not valid (unknown or malformed)",
  malformed: "the bearer token is not valid (unknown or malformed)",
  revoked: "the bearer token has been revoked",
  expired: "the bearer token has expired; refresh it or get a new one",
};

/**
 * Authenticates a request for a route needing `needed` (the plugin's work, callable
 * alone). Synchronous when the token and session stores answer synchronously (SQLite).
 */
export type Authenticate = (
  request: Request,
  extracted: string | undefined,
  needed: Scope,
) => Awaitable<Caller>;

/**
 * `sessions`: a browser signed in to the console may send its session cookie instead of
 * a bearer header (with the CSRF token for anything but GET; see src/web/session.ts).
 * It then is the caller of the token it signed in with: same scope, same rate limit.
 */
export function createAuthenticator(
  tokens: Tokens,
  config: Config,
  sessions?: WebSessions,
): Authenticate {
  const perToken = new RateLimiter(config.rateLimit, "requests for this token");
  const failures = new RateLimiter(config.rateLimit, "failed authentications from this address");
  // OAuth access tokens are bound to the resource they were issued for (RFC 8707): this
  // server's /mcp, as named by --public-url when they were minted.
  const ownResource = config.publicUrl ? resourceFor(config.publicUrl) : undefined;
  const refuse = (address: () => string, description: string) => {
    failures.spend(address());
    return new AuthError(401, "invalid_token", description, {
      error: "invalid_token",
      description,
    });
  };
  const admit = (request: Request, caller: Caller, needed: Scope): Caller => {
    perToken.take(caller.id);
    requestInfo(request).token = caller.name;
    if (!scopeAllows(caller.scope, needed))
      throw new AuthError(
        403,
        "insufficient_scope",
        `this needs a token with scope "${needed}"; yours has "${caller.scope}"`,
        { error: "insufficient_scope", scope: needed },
      );
    return caller;
  };
  const bySession = (request: Request, web: WebSessions, needed: Scope): Awaitable<Caller> => {
    const address = addressOf(request);
    failures.checkLazily(address);
    return then(web.current(request), (session) => {
      if (!session) {
        failures.spend(address());
        throw new AuthError(
          401,
          "invalid_session",
          "your console session has ended (signed out, expired, or its token was revoked); sign in again",
          { error: "invalid_token" },
        );
      }
      web.checkCsrf(request, session);
      return admit(request, session.caller, needed);
    });
  };
  return (request, extracted, needed) => {
    const url = request.url;
    if (url.includes("access_token=") && new URL(url).searchParams.has("access_token"))
      throw new AuthError(
        400,
        "token_in_url",
        "tokens are accepted only in the Authorization header (Authorization: Bearer <token>), never in the URL",
        { error: "invalid_request" },
      );
    const header = request.headers.get("authorization");
    if (!header && sessions && hasSessionCookie(request))
      return bySession(request, sessions, needed);
    if (!header || !/^bearer\b/i.test(header))
      throw new AuthError(
        401,
        "unauthorized",
        "send your token as: Authorization: Bearer <token>",
        {},
      );
    const address = addressOf(request);
    failures.checkLazily(address);
    const match = BEARER.exec(header);
    const secret =
      match && header.startsWith("Bearer ") && extracted === match[1] ? extracted : match?.[1];
    if (!secret) throw refuse(address, PROBLEMS.malformed);
    return then(tokens.check(secret), (checked) => {
      if (!("caller" in checked)) throw refuse(address, PROBLEMS[checked.problem]);
      const caller = checked.caller;
      if (caller.resource !== undefined && (caller.resource !== ownResource || !isMcpPath(url)))
        throw refuse(
          address,
          `this OAuth access token was issued for ${caller.resource}; it is accepted only there`,
        );
      return admit(request, caller, needed);
    });
  };
}

/** The client's address, worked out at most once and only when asked (a system call). */
function addressOf(request: Request): () => string {
  let address: string | undefined;
  return () => (address ??= requestInfo(request).address?.() ?? "unknown");
}

/** Whether a request URL's path is /mcp (string work: this runs only for OAuth tokens). */
function isMcpPath(url: string): boolean {
  const path = new URL(url).pathname;
  return path === "/mcp";
}

/**
 * Bearer authentication (RFC 6750) as one Elysia plugin: a route declares the scope it
 * needs (`{ auth: "write" }`) and its handler receives the `caller`. Tokens come from the
 * Authorization header only: a token in the URL (`?access_token=`) ends up in proxy and
 * shell logs, so it is refused with a 400, not accepted. The plugin owns the rate limits:
 * per token for authenticated requests, and per client address for failed attempts
 * (a failing address is refused with the same 429 until its budget refills, whatever it
 * sends). The `WWW-Authenticate` challenge is built by the HTTP error renderer.
 *
 * `synchronous`: the stores answer synchronously (SQLite), so `authenticate` never
 * returns a promise and the caller is resolved without an await. Elysia decides from a
 * hook's source text whether to await it, and awaits one that returns a call; the
 * synchronous resolve is written so that it returns none.
 */
export function authPlugin(authenticate: Authenticate, opts: { synchronous?: boolean } = {}) {
  return new Elysia({ name: "quiver/auth" })
    .use(bearer({ extract: { query: NO_QUERY_PARAMETER } }))
    .macro({
      /** The scope a route needs; its handler gets the authenticated `caller`. */
      auth: (scope: Scope) =>
        opts.synchronous
          ? {
              resolve: function resolveCaller({ request, bearer }) {
                const caller = authenticate(request, bearer, scope);
                if (caller instanceof Promise) throw new Error(ASYNC_STORE);
                return { caller };
              },
            }
          : {
              resolve: async ({ request, bearer }) => ({
                caller: await authenticate(request, bearer, scope),
              }),
            },
    });
}

const ASYNC_STORE =
  "authPlugin was told the stores are synchronous, but one answered with a promise";

export type AuthPlugin = ReturnType<typeof authPlugin>;
