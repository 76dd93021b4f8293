import type { SQL } from "bun";
import { notFound } from "../../errors.ts";
import type { OAuthGrants } from "../interfaces/oauth.ts";
import {
  ACCESS_TTL_MS,
  type GrantInfo,
  type GrantRefusal,
  type IssuedTokens,
  MAX_GRANTS,
  REFRESH_TTL_MS,
} from "../oauth-grants.ts";
import { newSecret, type Scope, sha256Hex } from "../tokens.ts";
import { num, numOrNull } from "./rows.ts";

const id = (prefix: string) =>
  `${prefix}_${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex")}`;
const iso = (ms: unknown) =>
  ms === null || ms === undefined ? undefined : new Date(num(ms)).toISOString();

/** OAuth grants in PostgreSQL, as in the SQLite store (oauth-grants.ts). */
export class PgGrantStore implements OAuthGrants {
  private readonly touched = new Map<string, number>();

  constructor(private readonly sql: SQL) {}

  /** A new grant for a redeemed code, with its first tokens, inside the caller's transaction. */
  async create(
    tx: SQL,
    code: { clientId: string; clientName: string; scope: Scope; resource: string },
    now: number,
  ): Promise<IssuedTokens> {
    const grantId = id("grt");
    await this.evictGrants(tx, now);
    await tx`INSERT INTO oauth_grants (id, client_id, client_name, scope, resource, created_at)
      VALUES (${grantId}, ${code.clientId}, ${code.clientName}, ${code.scope}, ${code.resource}, ${now})`;
    return this.mint(tx, grantId, code.scope, code.resource, now);
  }

  async refresh(
    refreshToken: string,
    clientId: string,
    resource: string | undefined,
    now = Date.now(),
  ): Promise<IssuedTokens | { refused: GrantRefusal }> {
    const hash = sha256Hex(refreshToken);
    const outcome = await this.sql.begin(async (tx) => {
      // FOR UPDATE: two replicas redeeming the same refresh token at once see one another.
      const [row] =
        await tx`SELECT r.used_at, r.expires_at AS refresh_expires_at, g.* FROM oauth_refresh_tokens r
        JOIN oauth_grants g ON g.id = r.grant_id WHERE r.hash = ${hash} FOR UPDATE OF r`;
      if (!row || row.client_id !== clientId) return { refused: "unknown" as const };
      if (row.revoked_at !== null) return { refused: "revoked" as const };
      if (row.used_at !== null)
        return { refused: "refresh_reused" as const, grant: String(row.id) };
      if (num(row.refresh_expires_at) <= now) return { refused: "expired" as const };
      if (resource !== undefined && resource !== row.resource)
        return { refused: "mismatch" as const };
      await tx`UPDATE oauth_refresh_tokens SET used_at = ${now} WHERE hash = ${hash}`;
      await tx`UPDATE oauth_grants SET last_used_at = ${now} WHERE id = ${row.id}`;
      return this.mint(tx, String(row.id), row.scope, String(row.resource), now);
    });
    if ("grant" in outcome && outcome.grant) {
      await this.revoke(outcome.grant, "refresh token used twice", now);
      return { refused: "refresh_reused" };
    }
    return outcome;
  }

  private async mint(
    tx: SQL,
    grantId: string,
    scope: Scope,
    resource: string,
    now: number,
  ): Promise<IssuedTokens> {
    await tx`DELETE FROM tokens WHERE grant_id IS NOT NULL AND expires_at < ${now - 86_400_000}`;
    await tx`DELETE FROM oauth_refresh_tokens WHERE expires_at < ${now}`;
    const access = newSecret();
    const tokenId = id("tok");
    await tx`INSERT INTO tokens (id, name, hash, scope, created_at, expires_at, resource, grant_id)
      VALUES (${tokenId}, ${`oauth:${grantId}:${tokenId}`}, ${sha256Hex(access)}, ${scope}, ${now},
        ${now + ACCESS_TTL_MS}, ${resource}, ${grantId})`;
    const refresh = newSecret().replace(/^qv_/, "qr_");
    await tx`INSERT INTO oauth_refresh_tokens (hash, grant_id, expires_at)
      VALUES (${sha256Hex(refresh)}, ${grantId}, ${now + REFRESH_TTL_MS})`;
    return {
      access_token: access,
      refresh_token: refresh,
      expires_in: ACCESS_TTL_MS / 1000,
      scope,
      grantId,
    };
  }

  /** A grant's last use, at most once a minute per grant and replica; never fails a request. */
  touch(grantId: string, now = Date.now()): void {
    const last = this.touched.get(grantId);
    if (last !== undefined && now - last < 60_000) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(grantId, now);
    this.sql`UPDATE oauth_grants SET last_used_at = ${now} WHERE id = ${grantId}`.catch(() => {});
  }

  async list(): Promise<GrantInfo[]> {
    return (await this.sql`SELECT * FROM oauth_grants ORDER BY created_at, id`).map(info);
  }

  async revoke(
    grantId: string,
    why = "revoked by the operator",
    now = Date.now(),
  ): Promise<GrantInfo> {
    return this.sql.begin(async (tx) => {
      const [row] = await tx`UPDATE oauth_grants SET revoked_at = coalesce(revoked_at, ${now}),
        revoked_why = coalesce(revoked_why, ${why}) WHERE id = ${grantId} RETURNING *`;
      if (!row)
        throw notFound(
          "grant_not_found",
          `no OAuth grant "${grantId}" (quiver token list shows them)`,
        );
      await tx`UPDATE tokens SET revoked_at = coalesce(revoked_at, ${now}) WHERE grant_id = ${grantId}`;
      await tx`DELETE FROM oauth_refresh_tokens WHERE grant_id = ${grantId} AND used_at IS NULL`;
      return info(row);
    });
  }

  async revokeByToken(token: string, clientId: string): Promise<void> {
    const hash = sha256Hex(token);
    const [row] = await this.sql`SELECT g.id, g.client_id FROM oauth_grants g WHERE g.id IN (
        SELECT grant_id FROM oauth_refresh_tokens WHERE hash = ${hash}
        UNION SELECT grant_id FROM tokens WHERE hash = ${hash} AND grant_id IS NOT NULL)`;
    if (row && row.client_id === clientId)
      await this.revoke(String(row.id), "revoked by the client");
  }

  private async evictGrants(tx: SQL, now: number): Promise<void> {
    const [{ n }] = await tx`SELECT count(*) AS n FROM oauth_grants`;
    const count = num(n);
    if (count < MAX_GRANTS) return;
    const victims = await tx`SELECT id FROM oauth_grants
      ORDER BY revoked_at IS NULL, coalesce(last_used_at, created_at) LIMIT ${count - MAX_GRANTS + 1}`;
    for (const v of victims as { id: string }[]) {
      await tx`DELETE FROM oauth_refresh_tokens WHERE grant_id = ${v.id}`;
      await tx`DELETE FROM tokens WHERE grant_id = ${v.id}`;
      await tx`DELETE FROM oauth_grants WHERE id = ${v.id}`;
    }
    void now;
  }
}

function info(r: Record<string, unknown>): GrantInfo {
  const revokedAt = numOrNull(r.revoked_at);
  return {
    id: String(r.id),
    client_id: String(r.client_id),
    client_name: String(r.client_name),
    scope: r.scope as Scope,
    resource: String(r.resource),
    created_at: iso(r.created_at)!,
    ...(r.last_used_at !== null ? { last_used_at: iso(r.last_used_at) } : {}),
    revoked: revokedAt !== null,
    ...(revokedAt !== null
      ? { revoked_at: iso(revokedAt), revoked_why: String(r.revoked_why) }
      : {}),
  };
}
