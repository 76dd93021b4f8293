import type { SQL } from "bun";
import type { Sessions } from "../interfaces/sessions.ts";
import { DEFAULT_SESSION_LIMITS, type SessionLimits, type SessionRow } from "../sessions.ts";
import { num } from "./rows.ts";

const TOUCH_EVERY_MS = 60_000;

function toRow(r: Record<string, unknown>): SessionRow {
  return {
    id_hash: String(r.id_hash),
    token_ref: String(r.token_ref),
    created_at: num(r.created_at),
    seen_at: num(r.seen_at),
    expires_at: num(r.expires_at),
  };
}

/** Console sessions in PostgreSQL, with the SQLite store's bounds (sessions.ts). */
export class PgSessionStore implements Sessions {
  constructor(
    private readonly sql: SQL,
    readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  ) {}

  async create(idHash: string, tokenRef: string, now = Date.now()): Promise<SessionRow> {
    const { lifetimeMs, idleMs, perToken, total } = this.limits;
    const row: SessionRow = {
      id_hash: idHash,
      token_ref: tokenRef,
      created_at: now,
      seen_at: now,
      expires_at: now + lifetimeMs,
    };
    // Newest first by creation, then by insertion order (seq), as in SQLite.
    await this.sql.begin(async (tx) => {
      await tx`DELETE FROM sessions WHERE expires_at <= ${now} OR seen_at <= ${now - idleMs}`;
      await tx`DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions
        WHERE token_ref = ${tokenRef} ORDER BY created_at DESC, seq DESC OFFSET ${perToken - 1})`;
      await tx`DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions
        ORDER BY created_at DESC, seq DESC OFFSET ${total - 1})`;
      await tx`INSERT INTO sessions (id_hash, token_ref, created_at, seen_at, expires_at)
        VALUES (${row.id_hash}, ${row.token_ref}, ${row.created_at}, ${row.seen_at}, ${row.expires_at})`;
    });
    return row;
  }

  async find(idHash: string, now = Date.now()): Promise<SessionRow | undefined> {
    const [found] = await this.sql`SELECT * FROM sessions WHERE id_hash = ${idHash}`;
    if (!found) return undefined;
    const row = toRow(found);
    if (row.expires_at <= now || row.seen_at <= now - this.limits.idleMs) {
      await this.end(idHash);
      return undefined;
    }
    if (now - row.seen_at >= TOUCH_EVERY_MS) {
      await this.sql`UPDATE sessions SET seen_at = ${now} WHERE id_hash = ${idHash}`;
      row.seen_at = now;
    }
    return row;
  }

  async end(idHash: string): Promise<void> {
    await this.sql`DELETE FROM sessions WHERE id_hash = ${idHash}`;
  }

  async endAllFor(tokenRef: string): Promise<number> {
    const r = await this.sql`DELETE FROM sessions WHERE token_ref = ${tokenRef}`;
    return r.count;
  }

  async count(): Promise<number> {
    const [r] = await this.sql`SELECT count(*) AS n FROM sessions`;
    return num(r.n);
  }
}
