import type { OAuthCodes, OAuthGrants } from "../store/interfaces/oauth.ts";
import type { GrantRefusal, IssuedTokens } from "../store/oauth-grants.ts";
import { sameResource } from "./authorize-request.ts";
import { invalidRequest, OAuthError } from "./errors.ts";
import { pkceMatches } from "./pkce.ts";

/*
 * The token endpoint (RFC 6749 §3.2, OAuth 2.1): authorization_code with PKCE, and
 * refresh_token with rotation. Clients are public (no secret): client_id is required and
 * must be the one the code or grant belongs to.
 */

const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

const REFUSALS: Record<GrantRefusal, string> = {
  unknown: "the code or refresh token is not known (or belongs to another client)",
  expired: "the code or refresh token has expired; start the authorization again",
  code_reused:
    "this authorization code was already used; the tokens issued for it are revoked — start the authorization again",
  refresh_reused:
    "this refresh token was already used; the grant is revoked (a stolen token is the likely reason) — authorize again",
  revoked: "the grant was revoked; authorize again",
  mismatch: "the request does not match the authorization",
};

const invalidGrant = (why: string) => new OAuthError(400, "invalid_grant", why);

export function tokenResponse(issued: IssuedTokens) {
  return {
    access_token: issued.access_token,
    token_type: "Bearer",
    expires_in: issued.expires_in,
    refresh_token: issued.refresh_token,
    scope: issued.scope,
  };
}

export async function exchange(
  form: URLSearchParams,
  ctx: { codes: OAuthCodes; grants: OAuthGrants; resource: string; basicAuth: boolean },
) {
  for (const key of new Set(form.keys()))
    if (form.getAll(key).length > 1)
      throw invalidRequest(`the parameter ${key} is given more than once`);
  if (ctx.basicAuth)
    throw new OAuthError(
      401,
      "invalid_client",
      "this server issues no client secrets: authenticate with client_id alone (token_endpoint_auth_method none)",
    );
  const clientId = form.get("client_id");
  if (!clientId) throw invalidRequest("client_id is missing");
  const resource = form.get("resource") ?? undefined;
  if (resource !== undefined && !sameResource(resource, ctx.resource))
    throw new OAuthError(400, "invalid_target", `resource must be ${ctx.resource}`);
  const grantType = form.get("grant_type");
  let result: Awaited<ReturnType<OAuthGrants["refresh"]>>;
  if (grantType === "authorization_code") {
    const code = form.get("code");
    const redirectUri = form.get("redirect_uri");
    const verifier = form.get("code_verifier");
    if (!code) throw invalidRequest("code is missing");
    if (!redirectUri) throw invalidRequest("redirect_uri is missing");
    if (!verifier) throw invalidRequest("code_verifier is missing (PKCE is required)");
    if (!VERIFIER.test(verifier))
      throw invalidRequest("code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~");
    result = await ctx.codes.redeem(code, (issued) => {
      if (issued.clientId !== clientId) return "the code was issued to another client";
      if (issued.redirectUri !== redirectUri)
        return "redirect_uri differs from the authorization request's";
      if (!pkceMatches(verifier, issued.codeChallenge))
        return "code_verifier does not match the code_challenge";
      return undefined;
    });
  } else if (grantType === "refresh_token") {
    const refresh = form.get("refresh_token");
    if (!refresh) throw invalidRequest("refresh_token is missing");
    result = await ctx.grants.refresh(
      refresh,
      clientId,
      resource === undefined ? undefined : ctx.resource,
    );
  } else
    throw new OAuthError(
      400,
      "unsupported_grant_type",
      'grant_type must be "authorization_code" or "refresh_token"',
    );
  if ("refused" in result) {
    const detail = (result as { detail?: string }).detail;
    throw invalidGrant(
      detail ? `${REFUSALS[result.refused]}: ${detail}` : REFUSALS[result.refused],
    );
  }
  return tokenResponse(result);
}
