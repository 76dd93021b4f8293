import type { Database, Statement } from "bun:sqlite";
import { timingSafeEqual } from "node:crypto";
import { notFound, QuiverError } from "../errors.ts";

/**
 * Bearer tokens. Only SHA-256 digests are stored; a token is found by the digest of what
 * the caller presented, so no secret is ever compared byte by byte. The static
 * QUIVER_TOKEN is compared digest-to-digest with timingSafeEqual (equal lengths by
 * construction). The store only stores and verifies: what a verified caller may do, and
 * how often, is decided above it (the tool pipeline, the HTTP auth plugin).
 */
export type Scope = "read" | "write" | "admin";
export const SCOPES: readonly Scope[] = ["read", "write", "admin"];

/** Scopes are ordered: admin can do what write can, write what read can. */
export function scopeAllows(granted: Scope, needed: Scope): boolean {
  return SCOPES.indexOf(granted) >= SCOPES.indexOf(needed);
}

export interface Caller {
  id: string;
  name: string;
  scope: Scope;
  /** An OAuth access token: the resource it was issued for (RFC 8707) and its grant. */
  resource?: string;
  grantId?: string;
}

/** Why a presented secret is not a caller: said in the 401's error_description. */
export type TokenProblem = "unknown" | "revoked" | "expired";

export interface TokenInfo {
  id: string;
  name: string;
  scope: Scope;
  created_at: string;
  revoked: boolean;
  revoked_at?: string;
}

interface TokenRow {
  id: string;
  name: string;
  hash: string;
  scope: Scope;
  created_at: number;
  revoked_at: number | null;
  expires_at: number | null;
  resource: string | null;
  grant_id: string | null;
}

export function sha256Hex(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}

/** A token's public id: what `quiver token list` shows and revoke takes. */
export function newTokenId(): string {
  return `tok_${Buffer.from(crypto.getRandomValues(new Uint8Array(6))).toString("hex")}`;
}

export function newSecret(): string {
  return `qv_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
}

export class TokenStore {
  private readonly staticDigest?: Buffer;
  private readonly byHash: Statement<TokenRow, [string]>;
  private readonly byId: Statement<TokenRow, [string]>;

  constructor(
    private readonly db: Database,
    staticToken?: string,
  ) {
    if (staticToken) this.staticDigest = Buffer.from(sha256Hex(staticToken), "hex");
    this.byHash = db.prepare("SELECT * FROM tokens WHERE hash = ?");
    this.byId = db.prepare("SELECT * FROM tokens WHERE id = ?");
  }

  /** The caller a presented secret belongs to, or undefined (unknown, revoked or expired). */
  verify(secret: string): Caller | undefined {
    const checked = this.check(secret);
    return "caller" in checked ? checked.caller : undefined;
  }

  /** Like verify, saying why a secret is refused. */
  check(secret: string, now = Date.now()): { caller: Caller } | { problem: TokenProblem } {
    const digest = sha256Hex(secret);
    if (this.staticDigest && timingSafeEqual(this.staticDigest, Buffer.from(digest, "hex")))
      return { caller: { id: "env", name: "QUIVER_TOKEN", scope: "admin" } };
    const row = this.byHash.get(digest);
    if (!row) return { problem: "unknown" };
    if (row.revoked_at !== null) return { problem: "revoked" };
    if (row.expires_at !== null && row.expires_at <= now) return { problem: "expired" };
    if (row.grant_id === null) return { caller: { id: row.id, name: row.name, scope: row.scope } };
    this.onGrantUse?.(row.grant_id, now);
    return {
      caller: {
        id: row.id,
        name: row.name,
        scope: row.scope,
        grantId: row.grant_id,
        ...(row.resource !== null ? { resource: row.resource } : {}),
      },
    };
  }

  /** Told when an OAuth access token is used (the grant store records its last use). */
  onGrantUse?: (grantId: string, now: number) => void;

  /**
   * What a session remembers of the token it was opened with: the token's id, or for
   * QUIVER_TOKEN a fingerprint of its digest, so that setting another QUIVER_TOKEN ends
   * the sessions opened with the old one (see callerByRef).
   */
  refOf(caller: Caller): string {
    if (caller.id !== "env" || !this.staticDigest) return caller.id;
    return `env:${sha256Hex(`session:${this.staticDigest.toString("hex")}`).slice(0, 32)}`;
  }

  /** The caller a session's token ref stands for, while that token is valid. */
  callerByRef(ref: string): Caller | undefined {
    if (ref.startsWith("env:"))
      return this.staticDigest && this.refOf({ id: "env", name: "", scope: "admin" }) === ref
        ? { id: "env", name: "QUIVER_TOKEN", scope: "admin" }
        : undefined;
    const row = this.byId.get(ref);
    // OAuth access tokens are for /mcp only (and expire): no console session stands on one.
    if (!row || row.revoked_at !== null || row.grant_id !== null) return undefined;
    return { id: row.id, name: row.name, scope: row.scope };
  }

  /** Names are unique among active tokens: a second "ci-bot" is a 409 token_name_taken. */
  create(name: string, scope: Scope): { info: TokenInfo; secret: string } {
    const secret = newSecret();
    const id = newTokenId();
    const now = Date.now();
    try {
      this.db.run("INSERT INTO tokens (id, name, hash, scope, created_at) VALUES (?, ?, ?, ?, ?)", [
        id,
        name,
        sha256Hex(secret),
        scope,
        now,
      ]);
    } catch (err) {
      const holder = this.db
        .query("SELECT id FROM tokens WHERE name = ? AND revoked_at IS NULL")
        .get(name) as { id: string } | null;
      if (!holder) throw err;
      throw new QuiverError(
        409,
        "token_name_taken",
        `a token named "${name}" already exists (${holder.id}); choose another name, or revoke that one first`,
      );
    }
    return {
      info: { id, name, scope, created_at: new Date(now).toISOString(), revoked: false },
      secret,
    };
  }

  /** Tokens made with `quiver token create` (OAuth access tokens are listed as their grants). */
  list(): TokenInfo[] {
    const rows = this.db
      .query("SELECT * FROM tokens WHERE grant_id IS NULL ORDER BY created_at, id")
      .all() as TokenRow[];
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      scope: r.scope,
      created_at: new Date(r.created_at).toISOString(),
      revoked: r.revoked_at !== null,
      ...(r.revoked_at !== null ? { revoked_at: new Date(r.revoked_at).toISOString() } : {}),
    }));
  }

  /** By id, or by the name of an active token (names are unique among those). */
  revoke(idOrName: string): TokenInfo {
    const byName = this.db
      .query("SELECT id FROM tokens WHERE name = ? AND revoked_at IS NULL AND grant_id IS NULL")
      .get(idOrName) as { id: string } | null;
    const id = byName?.id ?? idOrName;
    const row = this.db
      .query(
        "UPDATE tokens SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND grant_id IS NULL RETURNING *",
      )
      .get(Date.now(), id) as TokenRow | null;
    if (!row)
      throw notFound(
        "token_not_found",
        `no token with id or active name "${idOrName}" (quiver token list shows them)`,
      );
    return this.list().find((t) => t.id === id)!;
  }

  hasActiveAdmin(): boolean {
    return (
      this.db
        .query(
          "SELECT 1 FROM tokens WHERE scope = 'admin' AND revoked_at IS NULL AND grant_id IS NULL LIMIT 1",
        )
        .get() !== null
    );
  }
}
