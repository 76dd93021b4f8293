/**
 * PostgreSQL's numbered schema migrations (the SQLite ones are src/store/migrations.ts):
 * the position is the number, `quiver_schema.version` records the last one applied. Never
 * edit a released migration: add a new one. Times are milliseconds since the epoch
 * (bigint), as in SQLite, so both stores answer the same values.
 */
export const pgMigrations: string[] = [
  // 1: files, their bytes (content-addressed, chunked bytea), tokens.
  // A blob's chunks are written under a staging key (`tmp:<uuid>`) while its bytes stream
  // in, and renamed to the hash in the transaction that commits the file row (files.ts).
  `
  CREATE TABLE blobs (
    hash       text PRIMARY KEY,
    size       bigint NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE TABLE blob_chunks (
    blob text NOT NULL,
    seq  integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (blob, seq)
  );
  CREATE TABLE files (
    id           bigserial PRIMARY KEY,
    path         text COLLATE "C" NOT NULL UNIQUE,
    hash         text NOT NULL,
    size         bigint NOT NULL,
    content_type text NOT NULL,
    is_text      boolean NOT NULL,
    lines        bigint,
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL
  );
  CREATE INDEX files_hash ON files (hash);

  CREATE TABLE tokens (
    id         text PRIMARY KEY,
    name       text NOT NULL,
    hash       text NOT NULL UNIQUE,
    scope      text NOT NULL CHECK (scope IN ('read', 'write', 'admin')),
    created_at bigint NOT NULL,
    revoked_at bigint,
    expires_at bigint,
    resource   text,
    grant_id   text
  );
  CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE revoked_at IS NULL;
  CREATE INDEX tokens_grant ON tokens (grant_id) WHERE grant_id IS NOT NULL;
  `,
  // 2: the job queue (jobs.ts): claimed with FOR UPDATE SKIP LOCKED, woken by NOTIFY.
  `
  CREATE TABLE jobs (
    id               text PRIMARY KEY,
    kind             text NOT NULL,
    params           jsonb NOT NULL,
    status           text NOT NULL CHECK (status IN ('enqueued', 'running', 'succeeded', 'failed', 'canceled')),
    progress_done    bigint NOT NULL DEFAULT 0,
    progress_total   bigint,
    progress_message text,
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL,
    last_error       text,
    result           jsonb,
    cancel_requested boolean NOT NULL DEFAULT false,
    created_by       text,
    created_at       bigint NOT NULL,
    started_at       bigint,
    finished_at      bigint,
    run_after        bigint NOT NULL,
    lease_owner      text,
    lease_until      bigint
  );
  CREATE INDEX jobs_due ON jobs (status, run_after);
  `,
  // 3: console sessions and OAuth, as in SQLite's migrations 8 and 9.
  `
  CREATE TABLE sessions (
    id_hash    text PRIMARY KEY,
    token_ref  text NOT NULL,
    created_at bigint NOT NULL,
    seen_at    bigint NOT NULL,
    expires_at bigint NOT NULL,
    seq        bigserial
  );
  CREATE INDEX sessions_token ON sessions (token_ref, created_at);
  CREATE TABLE oauth_clients (
    id            text PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('dcr', 'cimd')),
    name          text NOT NULL,
    redirect_uris text NOT NULL,
    metadata      text NOT NULL,
    created_at    bigint NOT NULL,
    fresh_until   bigint
  );
  CREATE TABLE oauth_codes (
    hash           text PRIMARY KEY,
    client_id      text NOT NULL,
    redirect_uri   text NOT NULL,
    code_challenge text NOT NULL,
    client_name    text NOT NULL,
    scope          text NOT NULL,
    resource       text NOT NULL,
    expires_at     bigint NOT NULL,
    used_at        bigint,
    grant_id       text
  );
  CREATE TABLE oauth_grants (
    id           text PRIMARY KEY,
    client_id    text NOT NULL,
    client_name  text NOT NULL,
    scope        text NOT NULL,
    resource     text NOT NULL,
    created_at   bigint NOT NULL,
    last_used_at bigint,
    revoked_at   bigint,
    revoked_why  text
  );
  CREATE TABLE oauth_refresh_tokens (
    hash       text PRIMARY KEY,
    grant_id   text NOT NULL,
    expires_at bigint NOT NULL,
    used_at    bigint
  );
  CREATE INDEX oauth_refresh_grant ON oauth_refresh_tokens (grant_id);
  CREATE TABLE oauth_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
  );
  `,
  // 4: search (search.ts): one row per passage with weighted tsvector columns — A: the
  // file's path and title, B: the section headings above it, D: its body — and a GIN index
  // over their concatenation. Queries are built by quiver's parser (query.ts), never from
  // raw user text.
  `
  CREATE TABLE passages (
    id         bigserial PRIMARY KEY,
    file_id    bigint NOT NULL REFERENCES files (id) ON DELETE CASCADE,
    line_start integer NOT NULL,
    line_end   integer NOT NULL,
    body       text NOT NULL,
    doc        tsvector NOT NULL
  );
  CREATE INDEX passages_file ON passages (file_id);
  CREATE INDEX passages_doc ON passages USING gin (doc);
  `,
  // 5: each file's title, for ranking (search-rank.ts: a file whose title is the query
  // ranks first). Filled as files are indexed; the reindex tool fills it for files indexed
  // before, and rebuilds their passages with quiver's word splitting (tsquery.ts).
  `
  CREATE TABLE search_titles (
    file_id bigint PRIMARY KEY REFERENCES files (id) ON DELETE CASCADE,
    title   text NOT NULL
  );
  `,
];
