import type { OAuthClients } from "../store/interfaces/oauth.ts";
import type { OAuthClient } from "../store/oauth-clients.ts";
import { SCOPES, type Scope } from "../store/tokens.ts";
import { isUrlClientId, resolveCimdClient } from "./cimd.ts";
import { OAuthError } from "./errors.ts";

/*
 * The checks of an authorization request (GET /authorize), in the order RFC 6749 §4.1.2.1
 * needs: while the client or its redirect URI is in doubt the error is shown to the person
 * in the browser (never sent to an unchecked URI); after that it goes back to the client's
 * redirect URI with `state` and `iss`.
 */

export interface AuthorizationRequest {
  client: OAuthClient;
  redirectUri: string;
  state?: string;
  codeChallenge: string;
  /** The highest scope asked for; undefined when the client asked for none. */
  scope?: Scope;
  resource: string;
}

/** An error to show on the page: no trustworthy redirect URI. */
export class PageError extends OAuthError {}

/** An error to send to the (checked) redirect URI. */
export class RedirectError extends Error {
  constructor(
    readonly redirectUri: string,
    readonly error: string,
    readonly description: string,
    readonly state: string | undefined,
  ) {
    super(description);
  }
}

const PKCE_VALUE = /^[A-Za-z0-9._~-]{43,128}$/;
const MAX_STATE = 1_024;

export async function checkAuthorizationRequest(
  params: URLSearchParams,
  ctx: { clients: OAuthClients; resource: string; allowPrivate: boolean },
): Promise<AuthorizationRequest> {
  const page = (why: string) => new PageError(400, "invalid_request", why);
  for (const key of new Set(params.keys()))
    if (params.getAll(key).length > 1) throw page(`the parameter ${key} is given more than once`);
  const clientId = params.get("client_id");
  if (!clientId) throw page("client_id is missing");
  let client: OAuthClient | undefined;
  try {
    client = isUrlClientId(clientId)
      ? await resolveCimdClient(clientId, ctx.clients, { allowPrivate: ctx.allowPrivate })
      : await ctx.clients.get(clientId);
  } catch (err) {
    if (err instanceof OAuthError) throw new PageError(400, err.code, err.message);
    throw err;
  }
  if (!client)
    throw page(`unknown client_id ${clientId}: register the client first (POST /register)`);
  const redirectUri = params.get("redirect_uri");
  if (!redirectUri) throw page("redirect_uri is missing");
  if (!client.redirect_uris.includes(redirectUri))
    throw new PageError(
      400,
      "invalid_redirect_uri",
      `redirect_uri ${redirectUri} is not one of the client's registered redirect URIs`,
    );

  const state = params.get("state") ?? undefined;
  const back = (error: string, description: string) =>
    new RedirectError(
      redirectUri,
      error,
      description,
      state && state.length <= MAX_STATE ? state : undefined,
    );
  if (state !== undefined && state.length > MAX_STATE)
    throw back("invalid_request", `state is longer than ${MAX_STATE} characters`);
  if (params.get("response_type") !== "code")
    throw back("unsupported_response_type", 'response_type must be "code"');
  const challenge = params.get("code_challenge");
  if (!challenge) throw back("invalid_request", "PKCE is required: send code_challenge (S256)");
  if (params.get("code_challenge_method") !== "S256")
    throw back("invalid_request", 'code_challenge_method must be "S256" ("plain" is not accepted)');
  if (!PKCE_VALUE.test(challenge))
    throw back(
      "invalid_request",
      "code_challenge must be 43-128 characters of A-Z a-z 0-9 - . _ ~",
    );
  const resource = params.get("resource");
  if (resource !== null && !sameResource(resource, ctx.resource))
    throw back("invalid_target", `resource must be ${ctx.resource}, this server's MCP endpoint`);
  const asked = (params.get("scope") ?? "").split(" ").filter(Boolean);
  const known = asked.filter((s): s is Scope => (SCOPES as string[]).includes(s));
  if (asked.length > 0 && known.length === 0)
    throw back("invalid_scope", `scope must name some of: ${SCOPES.join(" ")}`);
  const scope = known.sort((a, b) => SCOPES.indexOf(b) - SCOPES.indexOf(a))[0];
  return {
    client,
    redirectUri,
    ...(state !== undefined ? { state } : {}),
    codeChallenge: challenge,
    ...(scope ? { scope } : {}),
    resource: ctx.resource,
  };
}

/** RFC 8707 resource comparison, after URL normalisation (case of scheme and host, default port). */
export function sameResource(given: string, ours: string): boolean {
  try {
    const url = new URL(given);
    return !url.hash && url.href === new URL(ours).href;
  } catch {
    return false;
  }
}
