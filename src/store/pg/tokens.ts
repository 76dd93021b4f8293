import { timingSafeEqual } from "node:crypto";
import type { SQL } from "bun";
import { notFound, QuiverError } from "../../errors.ts";
import type { Tokens } from "../interfaces/tokens.ts";
import {
  type Caller,
  newSecret,
  newTokenId,
  type Scope,
  sha256Hex,
  type TokenInfo,
  type TokenProblem,
} from "../tokens.ts";
import { isUniqueViolation, num, numOrNull } from "./rows.ts";

interface TokenRow {
  id: string;
  name: string;
  scope: Scope;
  created_at: number;
  revoked_at: number | null;
  expires_at: number | null;
  resource: string | null;
  grant_id: string | null;
}

function toRow(r: Record<string, unknown>): TokenRow {
  return {
    ...(r as unknown as TokenRow),
    created_at: num(r.created_at),
    revoked_at: numOrNull(r.revoked_at),
    expires_at: numOrNull(r.expires_at),
  };
}

/**
 * Bearer tokens in PostgreSQL: digests only, as in the SQLite store (tokens.ts). Every
 * check reads the row, so a token revoked through one replica is refused by all of them
 * from the next request on.
 */
export class PgTokenStore implements Tokens {
  private readonly staticDigest?: Buffer;
  onGrantUse?: (grantId: string, now: number) => void;

  constructor(
    private readonly sql: SQL,
    staticToken?: string,
  ) {
    if (staticToken) this.staticDigest = Buffer.from(sha256Hex(staticToken), "hex");
  }

  async check(
    secret: string,
    now = Date.now(),
  ): Promise<{ caller: Caller } | { problem: TokenProblem }> {
    const digest = sha256Hex(secret);
    if (this.staticDigest && timingSafeEqual(this.staticDigest, Buffer.from(digest, "hex")))
      return { caller: { id: "env", name: "QUIVER_TOKEN", scope: "admin" } };
    const [found] = await this.sql`SELECT * FROM tokens WHERE hash = ${digest}`;
    if (!found) return { problem: "unknown" };
    const row = toRow(found);
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

  refOf(caller: Caller): string {
    if (caller.id !== "env" || !this.staticDigest) return caller.id;
    return `env:${sha256Hex(`session:${this.staticDigest.toString("hex")}`).slice(0, 32)}`;
  }

  async callerByRef(ref: string): Promise<Caller | undefined> {
    if (ref.startsWith("env:"))
      return this.staticDigest && this.refOf({ id: "env", name: "", scope: "admin" }) === ref
        ? { id: "env", name: "QUIVER_TOKEN", scope: "admin" }
        : undefined;
    const [found] = await this.sql`SELECT * FROM tokens WHERE id = ${ref}`;
    const row = found ? toRow(found) : undefined;
    if (!row || row.revoked_at !== null || row.grant_id !== null) return undefined;
    return { id: row.id, name: row.name, scope: row.scope };
  }

  async create(name: string, scope: Scope): Promise<{ info: TokenInfo; secret: string }> {
    const secret = newSecret();
    const id = newTokenId();
    const now = Date.now();
    try {
      await this.sql`INSERT INTO tokens (id, name, hash, scope, created_at)
        VALUES (${id}, ${name}, ${sha256Hex(secret)}, ${scope}, ${now})`;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const [holder] = await this
        .sql`SELECT id FROM tokens WHERE name = ${name} AND revoked_at IS NULL`;
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

  async list(): Promise<TokenInfo[]> {
    const rows = await this
      .sql`SELECT * FROM tokens WHERE grant_id IS NULL ORDER BY created_at, id`;
    return rows.map((r: Record<string, unknown>) => info(toRow(r)));
  }

  async revoke(idOrName: string): Promise<TokenInfo> {
    const [byName] = await this.sql`SELECT id FROM tokens
      WHERE name = ${idOrName} AND revoked_at IS NULL AND grant_id IS NULL`;
    const id: string = byName?.id ?? idOrName;
    const [row] = await this.sql`UPDATE tokens SET revoked_at = coalesce(revoked_at, ${Date.now()})
      WHERE id = ${id} AND grant_id IS NULL RETURNING *`;
    if (!row)
      throw notFound(
        "token_not_found",
        `no token with id or active name "${idOrName}" (quiver token list shows them)`,
      );
    return info(toRow(row));
  }

  async hasActiveAdmin(): Promise<boolean> {
    const rows = await this.sql`SELECT 1 FROM tokens
      WHERE scope = 'admin' AND revoked_at IS NULL AND grant_id IS NULL LIMIT 1`;
    return rows.length > 0;
  }
}

function info(r: TokenRow): TokenInfo {
  return {
    id: r.id,
    name: r.name,
    scope: r.scope,
    created_at: new Date(r.created_at).toISOString(),
    revoked: r.revoked_at !== null,
    ...(r.revoked_at !== null ? { revoked_at: new Date(r.revoked_at).toISOString() } : {}),
  };
}
