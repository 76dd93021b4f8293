import type { Awaitable } from "../awaitable.ts";
import type { OAuthClient } from "../oauth-clients.ts";
import type { CodeRequest } from "../oauth-codes.ts";
import type { GrantInfo, GrantRefusal, IssuedTokens } from "../oauth-grants.ts";

/** OAuth clients quiver knows (registered, or cached CIMD documents). */
export interface OAuthClients {
  get(id: string): Awaitable<OAuthClient | undefined>;
  put(client: OAuthClient): Awaitable<void>;
}

/** Authorization codes: issued at consent, redeemed once at the token endpoint. */
export interface OAuthCodes {
  issue(req: CodeRequest, now?: number): Awaitable<string>;
  redeem(
    code: string,
    check: (issued: CodeRequest) => string | undefined,
    now?: number,
  ): Awaitable<IssuedTokens | { refused: GrantRefusal; detail?: string }>;
}

/** Grants: what a user approved for a client, with its rotating refresh tokens. */
export interface OAuthGrants {
  refresh(
    refreshToken: string,
    clientId: string,
    resource: string | undefined,
    now?: number,
  ): Awaitable<IssuedTokens | { refused: GrantRefusal }>;
  list(): Awaitable<GrantInfo[]>;
  revoke(grantId: string, why?: string, now?: number): Awaitable<GrantInfo>;
  revokeByToken(token: string, clientId: string): Awaitable<void>;
}

/** The password the consent page asks for. */
export interface ConsentSecret {
  set(password: string): Promise<void>;
  clear(): Awaitable<boolean>;
  isSet(): Awaitable<boolean>;
  verify(password: string): Promise<boolean>;
}

export interface OAuthStores {
  clients: OAuthClients;
  codes: OAuthCodes;
  grants: OAuthGrants;
  password: ConsentSecret;
}
