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
  // 2: search passages. `passages` holds each text file's passages with their line ranges
  // (the text as indexed: CJK characters separated by U+200B, see search-text.ts);
  // `passages_fts` is an external-content FTS5 index over it, so snippets come from
  // `passages.text` and the index itself stores no second copy of the text.
  // Tokenizer: unicode61 with remove_diacritics 2 folds Latin accents (cafe = café,
  // also in decomposed NFD form); categories adds combining marks (Mn, Mc) to the token
  // characters so Devanagari, Thai-like vowel signs etc. do not split words in half.
  // Porter stemming is left out on purpose: it is English-only and makes prefix* and
  // exact-word queries surprising.
  `
  CREATE TABLE passages (
    id         INTEGER PRIMARY KEY,
    file_id    INTEGER NOT NULL,
    line_start INTEGER NOT NULL,
    line_end   INTEGER NOT NULL,
    text       TEXT NOT NULL
  );
  CREATE INDEX passages_file ON passages(file_id);
  CREATE VIRTUAL TABLE passages_fts USING fts5(
    text,
    content = 'passages',
    content_rowid = 'id',
    tokenize = "unicode61 remove_diacritics 2 categories 'L* N* Co Mn Mc'"
  );
  `,
];
