import type { Database } from "bun:sqlite";
import type { GrantRefusal, GrantStore, IssuedTokens } from "./oauth-grants.ts";
import { newSecret, type Scope, sha256Hex } from "./tokens.ts";

/**
 * Authorization codes: what the consent page hands the client's redirect URI, exchanged at
 * /token for the grant's first tokens. Single use (also when the exchange fails), alive
 * for at most 60 s, stored as a digest; a second use revokes the grant the first one
 * created (RFC 6749 §4.1.2).
 */
export const CODE_TTL_MS = 60_000;

export interface CodeRequest {
  clientId: string;
  clientName: string;
  redirectUri: string;
  codeChallenge: string;
  scope: Scope;
  resource: string;
}

export class CodeStore {
  constructor(
    private readonly db: Database,
    private readonly grants: GrantStore,
  ) {}

  /** A new authorization code for an approved request. The code itself is returned once. */
  issue(req: CodeRequest, now = Date.now()): string {
    const code = newSecret().replace(/^qv_/, "qc_");
    this.db.run("DELETE FROM oauth_codes WHERE expires_at < ?", [now - CODE_TTL_MS]);
    this.db.run(
      `INSERT INTO oauth_codes (hash, client_id, redirect_uri, code_challenge, client_name, scope, resource, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        sha256Hex(code),
        req.clientId,
        req.redirectUri,
        req.codeChallenge,
        req.clientName,
        req.scope,
        req.resource,
        now + CODE_TTL_MS,
      ],
    );
    return code;
  }

  /**
   * Redeems a code: single use, also when the redemption fails. `check` sees what the code
   * was issued for (client, redirect URI, PKCE challenge, resource) and returns what does
   * not match, if anything. A second redemption revokes the grant the first one created
   * (RFC 6749 §4.1.2).
   */
  redeem(
    code: string,
    check: (issued: CodeRequest) => string | undefined,
    now = Date.now(),
  ): IssuedTokens | { refused: GrantRefusal; detail?: string } {
    type CodeRow = {
      client_id: string;
      redirect_uri: string;
      code_challenge: string;
      client_name: string;
      scope: Scope;
      resource: string;
      expires_at: number;
      used_at: number | null;
      grant_id: string | null;
    };
    return this.db.transaction(() => {
      const hash = sha256Hex(code);
      const row = this.db
        .query("SELECT * FROM oauth_codes WHERE hash = ?")
        .get(hash) as CodeRow | null;
      if (!row) return { refused: "unknown" as const };
      if (row.used_at !== null) {
        if (row.grant_id) this.grants.revoke(row.grant_id, "authorization code used twice", now);
        return { refused: "code_reused" as const };
      }
      this.db.run("UPDATE oauth_codes SET used_at = ? WHERE hash = ?", [now, hash]);
      if (row.expires_at <= now) return { refused: "expired" as const };
      const { scope, client_name: clientName } = row;
      const mismatch = check({
        clientId: row.client_id,
        clientName,
        redirectUri: row.redirect_uri,
        codeChallenge: row.code_challenge,
        scope,
        resource: row.resource,
      });
      if (mismatch) return { refused: "mismatch" as const, detail: mismatch };
      const issued = this.grants.create(
        { clientId: row.client_id, clientName, scope, resource: row.resource },
        now,
      );
      this.db.run("UPDATE oauth_codes SET grant_id = ? WHERE hash = ?", [issued.grantId, hash]);
      return issued;
    })();
  }
}
