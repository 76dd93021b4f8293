import type { SQL } from "bun";
import type { OAuthCodes } from "../interfaces/oauth.ts";
import { CODE_TTL_MS, type CodeRequest } from "../oauth-codes.ts";
import type { GrantRefusal, IssuedTokens } from "../oauth-grants.ts";
import { newSecret, type Scope, sha256Hex } from "../tokens.ts";
import type { PgGrantStore } from "./oauth-grants.ts";
import { num } from "./rows.ts";

/** Authorization codes in PostgreSQL, single use across replicas (oauth-codes.ts). */
export class PgCodeStore implements OAuthCodes {
  constructor(
    private readonly sql: SQL,
    private readonly grants: PgGrantStore,
  ) {}

  async issue(req: CodeRequest, now = Date.now()): Promise<string> {
    const code = newSecret().replace(/^qv_/, "qc_");
    await this.sql`DELETE FROM oauth_codes WHERE expires_at < ${now - CODE_TTL_MS}`;
    await this
      .sql`INSERT INTO oauth_codes (hash, client_id, redirect_uri, code_challenge, client_name, scope, resource, expires_at)
      VALUES (${sha256Hex(code)}, ${req.clientId}, ${req.redirectUri}, ${req.codeChallenge}, ${req.clientName},
        ${req.scope}, ${req.resource}, ${now + CODE_TTL_MS})`;
    return code;
  }

  async redeem(
    code: string,
    check: (issued: CodeRequest) => string | undefined,
    now = Date.now(),
  ): Promise<IssuedTokens | { refused: GrantRefusal; detail?: string }> {
    const hash = sha256Hex(code);
    const outcome = await this.sql.begin(async (tx) => {
      // FOR UPDATE: the same code presented to two replicas at once is redeemed once.
      const [row] = await tx`SELECT * FROM oauth_codes WHERE hash = ${hash} FOR UPDATE`;
      if (!row) return { refused: "unknown" as const };
      if (row.used_at !== null)
        return { refused: "code_reused" as const, grant: row.grant_id as string | null };
      await tx`UPDATE oauth_codes SET used_at = ${now} WHERE hash = ${hash}`;
      if (num(row.expires_at) <= now) return { refused: "expired" as const };
      const issued: CodeRequest = {
        clientId: row.client_id,
        clientName: row.client_name,
        redirectUri: row.redirect_uri,
        codeChallenge: row.code_challenge,
        scope: row.scope as Scope,
        resource: row.resource,
      };
      const mismatch = check(issued);
      if (mismatch) return { refused: "mismatch" as const, detail: mismatch };
      const tokens = await this.grants.create(tx, issued, now);
      await tx`UPDATE oauth_codes SET grant_id = ${tokens.grantId} WHERE hash = ${hash}`;
      return tokens;
    });
    if ("grant" in outcome) {
      if (outcome.grant)
        await this.grants.revoke(outcome.grant, "authorization code used twice", now);
      return { refused: "code_reused" };
    }
    return outcome;
  }
}
