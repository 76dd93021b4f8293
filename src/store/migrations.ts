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
];
