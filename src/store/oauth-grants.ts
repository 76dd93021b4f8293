import type { Database } from "bun:sqlite";
import { notFound } from "../errors.ts";
import { newSecret, type Scope, sha256Hex } from "./tokens.ts";

/**
 * OAuth grants: what an operator approved for one client (its scope, the resource), and
 * the secrets that stand for it — the refresh token (rotated on every use; a second use
 * of an old one is an attack or a bug, and ends the grant) and access tokens, which are
 * ordinary rows of `tokens` with an expiry, a resource and the grant's id. Only digests of
 * secrets are stored. The API the CLI, the HTTP endpoints and the web console share:
 * `list()` and `revoke(id)`; codes are in oauth-codes.ts.
 */
export const ACCESS_TTL_MS = 3_600_000;
export const REFRESH_TTL_MS = 30 * 86_400_000;
/** Grants kept at once: past it, revoked ones go first, then the least recently used. */
export const MAX_GRANTS = 1_000;

export interface GrantInfo {
  id: string;
  client_id: string;
  client_name: string;
  scope: Scope;
  resource: string;
  created_at: string;
  last_used_at?: string;
  revoked: boolean;
  revoked_at?: string;
  revoked_why?: string;
}

interface GrantRow {
  id: string;
  client_id: string;
  client_name: string;
  scope: Scope;
  resource: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  revoked_why: string | null;
}

export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: Scope;
  grantId: string;
}

/** Why a code or refresh token is refused (the token endpoint words it as invalid_grant). */
export type GrantRefusal =
  | "unknown"
  | "expired"
  | "code_reused"
  | "refresh_reused"
  | "revoked"
  | "mismatch";

const id = (prefix: string) =>
  `${prefix}_${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString("hex")}`;
const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());

export class GrantStore {
  private readonly touched = new Map<string, number>();

  constructor(private readonly db: Database) {}

  /** A new grant for a redeemed code, with its first tokens (inside the caller's transaction). */
  create(
    code: { clientId: string; clientName: string; scope: Scope; resource: string },
    now: number,
  ): IssuedTokens {
    const grantId = id("grt");
    this.evictGrants(now);
    this.db.run(
      `INSERT INTO oauth_grants (id, client_id, client_name, scope, resource, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [grantId, code.clientId, code.clientName, code.scope, code.resource, now],
    );
    return this.mint(grantId, code.scope, code.resource, now);
  }

  /**
   * Rotates a refresh token: the presented one is spent, a new pair is returned. A spent
   * one presented again ends the grant (its tokens stop working at once).
   */
  refresh(
    refreshToken: string,
    clientId: string,
    resource: string | undefined,
    now = Date.now(),
  ): IssuedTokens | { refused: GrantRefusal } {
    return this.db.transaction(() => {
      const hash = sha256Hex(refreshToken);
      const row = this.db
        .query(
          `SELECT r.used_at, r.expires_at, g.* FROM oauth_refresh_tokens r
           JOIN oauth_grants g ON g.id = r.grant_id WHERE r.hash = ?`,
        )
        .get(hash) as (GrantRow & { used_at: number | null; expires_at: number }) | null;
      if (!row || row.client_id !== clientId) return { refused: "unknown" as const };
      if (row.revoked_at !== null) return { refused: "revoked" as const };
      if (row.used_at !== null) {
        this.revoke(row.id, "refresh token used twice", now);
        return { refused: "refresh_reused" as const };
      }
      if (row.expires_at <= now) return { refused: "expired" as const };
      if (resource !== undefined && resource !== row.resource)
        return { refused: "mismatch" as const };
      this.db.run("UPDATE oauth_refresh_tokens SET used_at = ? WHERE hash = ?", [now, hash]);
      this.db.run("UPDATE oauth_grants SET last_used_at = ? WHERE id = ?", [now, row.id]);
      return this.mint(row.id, row.scope, row.resource, now);
    })();
  }

  /** An access token and a refresh token for a grant. */
  private mint(grantId: string, scope: Scope, resource: string, now: number): IssuedTokens {
    // Bounded: expired access tokens and spent refresh tokens past their lifetime go.
    this.db.run("DELETE FROM tokens WHERE grant_id IS NOT NULL AND expires_at < ?", [
      now - 86_400_000,
    ]);
    this.db.run("DELETE FROM oauth_refresh_tokens WHERE expires_at < ?", [now]);
    const access = newSecret();
    const tokenId = id("tok");
    this.db.run(
      `INSERT INTO tokens (id, name, hash, scope, created_at, expires_at, resource, grant_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        tokenId,
        `oauth:${grantId}:${tokenId}`,
        sha256Hex(access),
        scope,
        now,
        now + ACCESS_TTL_MS,
        resource,
        grantId,
      ],
    );
    const refresh = newSecret().replace(/^qv_/, "qr_");
    this.db.run("INSERT INTO oauth_refresh_tokens (hash, grant_id, expires_at) VALUES (?, ?, ?)", [
      sha256Hex(refresh),
      grantId,
      now + REFRESH_TTL_MS,
    ]);
    return {
      access_token: access,
      refresh_token: refresh,
      expires_in: ACCESS_TTL_MS / 1000,
      scope,
      grantId,
    };
  }

  /** Records a grant's last use, at most once a minute per grant (a write per request is too many). */
  touch(grantId: string, now = Date.now()): void {
    const last = this.touched.get(grantId);
    if (last !== undefined && now - last < 60_000) return;
    if (this.touched.size > 10_000) this.touched.clear();
    this.touched.set(grantId, now);
    try {
      this.db.run("UPDATE oauth_grants SET last_used_at = ? WHERE id = ?", [now, grantId]);
    } catch {
      // A read-only data directory still serves requests; the last use is not worth a 503.
    }
  }

  list(): GrantInfo[] {
    const rows = this.db
      .query("SELECT * FROM oauth_grants ORDER BY created_at, id")
      .all() as GrantRow[];
    return rows.map(info);
  }

  /** Ends a grant: its access tokens stop working on the next request, its refresh token too. */
  revoke(grantId: string, why = "revoked by the operator", now = Date.now()): GrantInfo {
    const row = this.db
      .query(
        "UPDATE oauth_grants SET revoked_at = coalesce(revoked_at, ?), revoked_why = coalesce(revoked_why, ?) WHERE id = ? RETURNING *",
      )
      .get(now, why, grantId) as GrantRow | null;
    if (!row)
      throw notFound(
        "grant_not_found",
        `no OAuth grant "${grantId}" (quiver token list shows them)`,
      );
    this.db.run("UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE grant_id = ?", [
      now,
      grantId,
    ]);
    this.db.run("DELETE FROM oauth_refresh_tokens WHERE grant_id = ? AND used_at IS NULL", [
      grantId,
    ]);
    return info(row);
  }

  /** RFC 7009: a refresh or access token of `clientId` ends its grant; anything else is ignored. */
  revokeByToken(token: string, clientId: string): void {
    const hash = sha256Hex(token);
    const row = this.db
      .query(
        `SELECT g.id, g.client_id FROM oauth_grants g WHERE g.id IN (
           SELECT grant_id FROM oauth_refresh_tokens WHERE hash = ?
           UNION SELECT grant_id FROM tokens WHERE hash = ? AND grant_id IS NOT NULL)`,
      )
      .get(hash, hash) as { id: string; client_id: string } | null;
    if (row && row.client_id === clientId) this.revoke(row.id, "revoked by the client");
  }

  /** Keeps at most MAX_GRANTS live grants: revoked ones go first, then the least recently used. */
  private evictGrants(now: number): void {
    const count = (this.db.query("SELECT count(*) AS n FROM oauth_grants").get() as { n: number })
      .n;
    if (count < MAX_GRANTS) return;
    const victims = this.db
      .query(
        `SELECT id FROM oauth_grants
         ORDER BY revoked_at IS NULL, coalesce(last_used_at, created_at) LIMIT +?`,
      )
      .all(count - MAX_GRANTS + 1) as { id: string }[];
    for (const v of victims) {
      this.revoke(v.id, "evicted: too many grants", now);
      this.db.run("DELETE FROM oauth_refresh_tokens WHERE grant_id = ?", [v.id]);
      this.db.run("DELETE FROM tokens WHERE grant_id = ?", [v.id]);
      this.db.run("DELETE FROM oauth_grants WHERE id = ?", [v.id]);
    }
  }
}

function info(r: GrantRow): GrantInfo {
  return {
    id: r.id,
    client_id: r.client_id,
    client_name: r.client_name,
    scope: r.scope,
    resource: r.resource,
    created_at: iso(r.created_at)!,
    ...(r.last_used_at !== null ? { last_used_at: iso(r.last_used_at) } : {}),
    revoked: r.revoked_at !== null,
    ...(r.revoked_at !== null
      ? { revoked_at: iso(r.revoked_at), revoked_why: r.revoked_why! }
      : {}),
  };
}
