import { QuiverError } from "../errors.ts";
import type { Caller, Scope, TokenStore } from "../store/tokens.ts";
import { requireScope } from "../store/tokens.ts";

/**
 * Bearer authentication (RFC 6750), from the Authorization header only: a token in the
 * URL (`?access_token=`) ends up in proxy and shell logs, so it is refused, not accepted.
 * @elysiajs/bearer extracts the common `Bearer <t>` form; it also reads the query string,
 * matches the scheme case-sensitively and mis-slices `BearerX`, so its value is used only
 * when the header has the exact form, and the scheme is otherwise matched here
 * case-insensitively (RFC 7235). The decisions (401/403, constant-time compare) are ours.
 */
const BEARER = /^bearer +([\x21-\x7e]+) *$/i;

export interface AuthChallenge {
  /** Extra challenge parameters, e.g. resource_metadata for /mcp (RFC 9728). */
  params?: string;
}

function challenge(error: string | undefined, extra?: string): string {
  const parts = [`Bearer realm="quiver"`];
  if (error) parts.push(`error="${error}"`);
  if (extra) parts.push(extra);
  return parts.join(", ");
}

export function authenticate(
  request: Request,
  tokens: TokenStore,
  needed: Scope,
  opts: AuthChallenge & { extracted?: string } = {},
): Caller {
  const url = request.url;
  if (url.includes("access_token=") && new URL(url).searchParams.has("access_token"))
    throw new QuiverError(
      400,
      "token_in_url",
      "tokens are accepted only in the Authorization header (Authorization: Bearer <token>), never in the URL",
      {
        "WWW-Authenticate": challenge("invalid_request", opts.params),
      },
    );
  const header = request.headers.get("authorization");
  if (!header || !/^bearer\b/i.test(header))
    throw new QuiverError(
      401,
      "unauthorized",
      "send your token as: Authorization: Bearer <token>",
      {
        "WWW-Authenticate": challenge(undefined, opts.params),
      },
    );
  const match = BEARER.exec(header);
  const secret =
    match && header.startsWith("Bearer ") && opts.extracted === match[1]
      ? opts.extracted
      : match?.[1];
  const caller = secret ? tokens.verify(secret) : undefined;
  if (!caller)
    throw new QuiverError(
      401,
      "invalid_token",
      "the bearer token is not valid (unknown, revoked or malformed)",
      {
        "WWW-Authenticate": challenge("invalid_token", opts.params),
      },
    );
  tokens.limiter?.take(caller.id);
  requireScope(caller, needed);
  return caller;
}
