/**
 * Numbered schema migrations, applied in order at open; `PRAGMA user_version` records the
 * last one applied. Never edit a released migration: add a new one.
 */
export const migrations: string[] = [
  // 1: files and tokens
  `
  CREATE TABLE files (
    id           INTEGER PRIMARY KEY,
    path         TEXT NOT NULL UNIQUE,
    hash         TEXT NOT NULL,
    size         INTEGER NOT NULL,
    content_type TEXT NOT NULL,
    is_text      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
  );
  CREATE INDEX files_hash ON files(hash);

  CREATE TABLE tokens (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    hash         TEXT NOT NULL UNIQUE,
    scope        TEXT NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
  );
  `,
  // jobs: the durable queue (src/store/jobs.ts)
  `
  CREATE TABLE jobs (
    id               TEXT PRIMARY KEY,
    kind             TEXT NOT NULL,
    params           TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('enqueued', 'running', 'succeeded', 'failed', 'canceled')),
    progress_done    INTEGER NOT NULL DEFAULT 0,
    progress_total   INTEGER,
    progress_message TEXT,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    last_error       TEXT,
    result           TEXT,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    created_by       TEXT,
    created_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    run_after        INTEGER NOT NULL,
    lease_owner      TEXT,
    lease_until      INTEGER
  );
  CREATE INDEX jobs_due ON jobs(status, run_after);
  `,
];
