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
  // 3: search passages. `passages` maps each passage to its file and line range;
  // `passages_fts` (rowid = passages.id) holds the passage text (as indexed: CJK
  // characters separated by U+200B, see search-text.ts) — stored once, in FTS5's own
  // content table, which snippet() reads. (An external-content table over a `passages`
  // text column measured ~1.8x slower to fill; this layout matches a bare FTS5 table.)
  // Tokenizer: unicode61 with remove_diacritics 2 folds Latin accents (cafe = café, also
  // in decomposed NFD form); categories adds combining marks (Mn, Mc) to the token
  // characters so Devanagari and other scripts with vowel signs keep whole words.
  // Porter stemming is left out on purpose: it is English-only and makes prefix* and
  // exact-word queries surprising.
  `
  CREATE TABLE passages (
    id         INTEGER PRIMARY KEY,
    file_id    INTEGER NOT NULL,
    line_start INTEGER NOT NULL,
    line_end   INTEGER NOT NULL
  );
  CREATE INDEX passages_file ON passages(file_id);
  CREATE VIRTUAL TABLE passages_fts USING fts5(
    text,
    tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co Mn Mc'"
  );
  -- Text files stored before search existed: indexed once by SearchIndex.backfill() at open.
  CREATE TABLE search_backfill (file_id INTEGER PRIMARY KEY);
  INSERT INTO search_backfill (file_id) SELECT id FROM files WHERE is_text = 1;
  `,
  // 4: ranked search for questions (issue 14). `passages_stem` scores each passage on four
  // fields — its file's path and title, the section headings above it, its body — with
  // English Porter stemming (sorting finds sort). It is contentless: the body text stays
  // stored once, in passages_fts, which also keeps serving exact, prefix* and operator
  // queries unstemmed (porter cannot take a prefix: `decorat*` would miss "decorator",
  // indexed as "decor"). contentless_delete lets a file's rows be deleted by rowid.
  // Every text file is listed for SearchIndex.backfill, which re-indexes it at the next
  // open, with progress (nothing stored is deleted: passages are derived from the files).
  `
  CREATE VIRTUAL TABLE passages_stem USING fts5(
    path, title, headings, body,
    content = '', contentless_delete = 1,
    tokenize = "porter unicode61 remove_diacritics 2 categories 'L* N* Co Mn Mc'"
  );
  CREATE VIRTUAL TABLE passages_stem_vocab USING fts5vocab(passages_stem, 'row');
  INSERT OR IGNORE INTO search_backfill (file_id) SELECT id FROM files WHERE is_text = 1;
  `,
  // 5: each file's line count (as read_file numbers lines), counted as it is written, so
  // reading a window of a large file costs about the window. NULL for files stored
  // before: read_file counts those as it reads.
  `
  ALTER TABLE files ADD COLUMN lines INTEGER;
  `,
  // 6: an import's bulk-load settings, recorded before they are applied (src/store/
  // bulk-load.ts): a killed import leaves this row, and the next open restores them.
  `
  CREATE TABLE bulk_load (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    owner_pid INTEGER NOT NULL,
    automerge INTEGER NOT NULL,
    hashsize  INTEGER NOT NULL,
    started_at INTEGER NOT NULL
  );
  `,
  // 7: token names are unique among active tokens, so a name in the access log or in
  // `quiver token list` means one token (a revoked token's name may be reused: rotation).
  // Stores made before this may hold active duplicates: the oldest keeps its name, each
  // later one becomes "name (tok_…)" — unique, since ids are — and keeps working.
  `
  UPDATE tokens SET name = name || ' (' || id || ')'
  WHERE revoked_at IS NULL AND EXISTS (
    SELECT 1 FROM tokens AS older
    WHERE older.name = tokens.name AND older.revoked_at IS NULL
      AND (older.created_at < tokens.created_at
           OR (older.created_at = tokens.created_at AND older.id < tokens.id))
  );
  CREATE UNIQUE INDEX tokens_active_name ON tokens(name) WHERE revoked_at IS NULL;
  `,
  // 8: console sessions (src/store/sessions.ts, src/web/session.ts). A row per signed-in
  // browser: the SHA-256 of its cookie secret (never the secret), the token it signed in
  // with (a token id, or a fingerprint of QUIVER_TOKEN), and its bounds in milliseconds.
  `
  CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    token_ref  TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX sessions_token ON sessions(token_ref, created_at);
  `,
  // 9: OAuth (issue 17): quiver as its own authorization server. Access tokens are rows of
  // `tokens` with an expiry, the resource they are bound to and the grant that minted them
  // (NULL for tokens made with quiver token create). Every secret — client secrets are never
  // issued, codes, refresh tokens, the consent password — is stored as a digest or a
  // password hash only. `oauth_refresh_tokens` keeps used refresh tokens (until they would
  // have expired) so that a second use is recognised and ends the grant.
  `
  ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
  ALTER TABLE tokens ADD COLUMN resource TEXT;
  ALTER TABLE tokens ADD COLUMN grant_id TEXT;
  CREATE INDEX tokens_grant ON tokens(grant_id) WHERE grant_id IS NOT NULL;

  CREATE TABLE oauth_clients (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('dcr', 'cimd')),
    name          TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    metadata      TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    fresh_until   INTEGER
  );

  CREATE TABLE oauth_codes (
    hash           TEXT PRIMARY KEY,
    client_id      TEXT NOT NULL,
    redirect_uri   TEXT NOT NULL,
    code_challenge TEXT NOT NULL,
    client_name    TEXT NOT NULL,
    scope          TEXT NOT NULL,
    resource       TEXT NOT NULL,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER,
    grant_id       TEXT
  );

  CREATE TABLE oauth_grants (
    id           TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL,
    client_name  TEXT NOT NULL,
    scope        TEXT NOT NULL,
    resource     TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER,
    revoked_why  TEXT
  );

  CREATE TABLE oauth_refresh_tokens (
    hash       TEXT PRIMARY KEY,
    grant_id   TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
  );
  CREATE INDEX oauth_refresh_grant ON oauth_refresh_tokens(grant_id);

  CREATE TABLE oauth_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 10: the ranked index moves into memory (src/store/ranked-index.ts: BM25F over the same
  // four fields, built from passages_fts by the process that searches), so passages_stem
  // — a second FTS5 index that cost half of ingest time and a third of the database — is
  // dropped; it was derived from the passages, which stay. search_changes tells every
  // connection's in-memory index which files changed since it last looked.
  `
  DROP TABLE IF EXISTS passages_stem_vocab;
  DROP TABLE IF EXISTS passages_stem;
  CREATE TABLE search_changes (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    file_id INTEGER NOT NULL
  );
  `,
  // 11: search_changes without AUTOINCREMENT. Its `INSERT … RETURNING seq` (one per file
  // written) made SQLite open a statement journal, and so a savepoint on the FTS5 table, for
  // every file: an import spent more CPU on that than on FTS5 itself (1 s of 4.4 s for the
  // corpus). A plain rowid is max(seq) + 1, which stays increasing because trimming
  // deletes only the oldest rows, never the newest that readers compare against.
  `
  CREATE TABLE search_changes_v11 (
    seq     INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL
  );
  INSERT INTO search_changes_v11 (seq, file_id) SELECT seq, file_id FROM search_changes;
  DROP TABLE search_changes;
  ALTER TABLE search_changes_v11 RENAME TO search_changes;
  `,
];
