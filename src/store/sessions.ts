import type { Database, Statement } from "bun:sqlite";

/**
 * Browser sessions of the web console (and the OAuth consent page), as rows: the SHA-256
 * of the cookie's secret, the token the session was opened with, and its time bounds.
 * Only the store: what a cookie looks like and who the session's caller is today (a
 * revoked token's sessions stop working) is decided in src/web/session.ts.
 */
export interface SessionLimits {
  /** A session ends this long after sign-in, however busy. */
  lifetimeMs: number;
  /** …or once unused this long. */
  idleMs: number;
  /** Sessions per token: signing in once more ends the oldest. */
  perToken: number;
  /** Sessions in all: signing in past it ends the oldest of anyone's. */
  total: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = {
  lifetimeMs: 12 * 3600_000,
  idleMs: 2 * 3600_000,
  perToken: 10,
  total: 1000,
};

/** `seen_at` is written at most this often: a request is a read, not a write. */
const TOUCH_EVERY_MS = 60_000;

export interface SessionRow {
  id_hash: string;
  token_ref: string;
  created_at: number;
  seen_at: number;
  expires_at: number;
}

export class SessionStore {
  private readonly q: {
    find: Statement<SessionRow, [string]>;
    touch: Statement<unknown, [number, string]>;
    remove: Statement<unknown, [string]>;
  };

  constructor(
    private readonly db: Database,
    readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    /** A read-only data directory: sessions are checked, never touched or removed. */
    private readonly readOnly = false,
  ) {
    this.q = {
      find: db.prepare("SELECT * FROM sessions WHERE id_hash = ?"),
      touch: db.prepare("UPDATE sessions SET seen_at = ? WHERE id_hash = ?"),
      remove: db.prepare("DELETE FROM sessions WHERE id_hash = ?"),
    };
  }

  /** Records a new session, ending expired ones and the oldest past the count limits. */
  create(idHash: string, tokenRef: string, now = Date.now()): SessionRow {
    const { lifetimeMs, idleMs, perToken, total } = this.limits;
    const row: SessionRow = {
      id_hash: idHash,
      token_ref: tokenRef,
      created_at: now,
      seen_at: now,
      expires_at: now + lifetimeMs,
    };
    // Newest first by creation, then by rowid: sessions made in the same millisecond
    // (a script signing in) are still told apart in the order they came, so the oldest
    // goes (ordering ties by the random id_hash evicted a newer one now and then).
    this.db.transaction(() => {
      this.db.run("DELETE FROM sessions WHERE expires_at <= ? OR seen_at <= ?", [
        now,
        now - idleMs,
      ]);
      this.db.run(
        `DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions WHERE token_ref = ?
           ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET +?)`,
        [tokenRef, perToken - 1],
      );
      this.db.run(
        `DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions
           ORDER BY created_at DESC, rowid DESC LIMIT -1 OFFSET +?)`,
        [total - 1],
      );
      this.db.run(
        "INSERT INTO sessions (id_hash, token_ref, created_at, seen_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        [row.id_hash, row.token_ref, row.created_at, row.seen_at, row.expires_at],
      );
    })();
    return row;
  }

  /** The live session with this id hash (an expired or idle one is removed and not found). */
  find(idHash: string, now = Date.now()): SessionRow | undefined {
    const row = this.q.find.get(idHash);
    if (!row) return undefined;
    if (row.expires_at <= now || row.seen_at <= now - this.limits.idleMs) {
      this.end(idHash);
      return undefined;
    }
    if (!this.readOnly && now - row.seen_at >= TOUCH_EVERY_MS) {
      this.q.touch.run(now, idHash);
      row.seen_at = now;
    }
    return row;
  }

  /** Ends one session (sign-out, or one whose token is no longer valid). */
  end(idHash: string): void {
    if (!this.readOnly) this.q.remove.run(idHash);
  }

  /** Ends every session opened with a token (the token was revoked). */
  endAllFor(tokenRef: string): number {
    if (this.readOnly) return 0;
    return this.db.run("DELETE FROM sessions WHERE token_ref = ?", [tokenRef]).changes;
  }

  count(): number {
    return (this.db.query("SELECT count(*) AS n FROM sessions").get() as { n: number }).n;
  }
}
