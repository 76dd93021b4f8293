import type { Database, Statement } from "bun:sqlite";
import { badRequest, QuiverError } from "../errors.ts";
import { logError } from "../log.ts";
import type { Awaitable } from "./awaitable.ts";
import type { OpenBlob } from "./blob-reader.ts";
import type { BlobStore, BlobWriter, ByteSource, PlacedBlob } from "./blobs.ts";
import { beginBulkLoad } from "./bulk-load.ts";
import { type CheckOptions, type CheckReport, checkStore } from "./check.ts";
import type { Passage } from "./chunk.ts";
import { contentTypeFor, decodeText, looksLikeText } from "./content.ts";
import { decodeFileCursor, encodeFileCursor, fileNotFound } from "./file-rows.ts";
import { prefixEnd } from "./paths.ts";

/** What a committed write or delete tells whoever watches the store (services.changes). */
export type FileChange = { kind: "file"; path: string; change: "written" | "deleted" };

/** Metadata of one stored file, as callers see it. */
export interface FileInfo {
  path: string;
  size: number;
  /** SHA-256 of the bytes, hex; also the HTTP ETag. */
  sha256: string;
  content_type: string;
  is_text: boolean;
  created_at: string;
  updated_at: string;
}

interface FileRow {
  id: number;
  path: string;
  hash: string;
  size: number;
  content_type: string;
  is_text: number;
  /** NULL for rows stored before lines were counted (migration 5). */
  lines: number | null;
  created_at: number;
  updated_at: number;
}

/**
 * Keeps the search index in step with the files. Called inside the same transaction as
 * the row change, so a file is searchable exactly when its write is acknowledged.
 */
export interface FileIndexer {
  index(fileId: number, path: string, text: string): void;
  /** Indexes passages made beforehand by passagesForIndex (index-passages.ts). */
  indexPassages(fileId: number, passages: Passage[]): void;
  remove(fileId: number): void;
}

export interface ListPage {
  files: FileInfo[];
  next_cursor?: string;
}

/** One file for commitMany: the blob under `hash` must already be durable. */
export interface CommitEntry {
  path: string;
  hash: string;
  size: number;
  /** Lines as read_file numbers them (content.ts LineCounter). */
  lines?: number;
  isText: boolean;
  /** The decoded text to index, when the file is text and not too big. */
  text?: string;
  /**
   * Or the same text already made into index passages (passagesForIndex): bulk imports
   * do that work on another thread, so the commit only runs the inserts.
   */
  passages?: Passage[];
}

export interface PutResult {
  file: FileInfo;
  created: boolean;
  /** False when the path already held exactly these bytes (nothing changed). */
  changed: boolean;
}

/** The largest file we decode and index as text; bigger text files are stored only. */
export const MAX_INDEXED_TEXT_BYTES = 32 * 1024 * 1024;

export class FileStore {
  private readonly q: {
    get: Statement<FileRow, [string]>;
    upsert: Statement<FileRow, [string, string, number, string, number, number, number | null]>;
    del: Statement<FileRow, [string]>;
    refs: Statement<{ n: number }, [string]>;
    list: Statement<FileRow, [string, string, string, number]>;
    listAll: Statement<FileRow, [string, number]>;
  };

  /**
   * Told of every committed change, after its transaction: the one place writes, deletes
   * and imports are seen (MCP notifications listen through services.changes). Must not
   * throw; a failure here cannot undo a commit.
   */
  onChange?: (change: FileChange) => void;

  /**
   * Asked before a single write commits (not bulk imports), with the decoded text when
   * the file is text; throws a QuiverError to refuse it (skills check SKILL.md here).
   */
  checkWrite?: (path: string, text: string | undefined, size: number) => Awaitable<void>;

  constructor(
    private readonly db: Database,
    private readonly blobs: BlobStore,
    /** Every text write, overwrite and delete updates it in the same transaction. */
    private readonly indexer?: FileIndexer,
  ) {
    // `LIMIT +?`, never a bare bound LIMIT: SQLite (3.53 here) reads that one while
    // planning, so re-binding it expires the statement and each call prepares it again —
    // measured 3.3x the cost of the same query with `+?` (an expression it does not read
    // while planning). test/layers.test.ts keeps every store query to that spelling.
    this.q = {
      get: db.prepare("SELECT * FROM files WHERE path = ?"),
      upsert: db.prepare(
        `INSERT INTO files (path, hash, size, content_type, is_text, created_at, updated_at, lines)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)
         ON CONFLICT(path) DO UPDATE SET hash = excluded.hash, size = excluded.size,
           content_type = excluded.content_type, is_text = excluded.is_text,
           updated_at = excluded.updated_at, lines = excluded.lines
         RETURNING *`,
      ),
      del: db.prepare("DELETE FROM files WHERE path = ? RETURNING *"),
      refs: db.prepare("SELECT count(*) AS n FROM files WHERE hash = ?"),
      list: db.prepare(
        `SELECT * FROM files WHERE path >= ?1 AND path < ?2 AND path > ?3 ORDER BY path LIMIT +?4`,
      ),
      listAll: db.prepare("SELECT * FROM files WHERE path > ?1 ORDER BY path LIMIT +?2"),
    };
  }

  /** Where a bulk import writes blobs before commitMany points rows at them. */
  get blobWriter(): BlobWriter {
    return this.blobs;
  }

  /** Whether commits also index text (bulk imports then prepare passages beforehand). */
  get indexes(): boolean {
    return this.indexer !== undefined;
  }

  /** quiver check: rows against blobs, and SQLite's own integrity check (check.ts). */
  check(opts: CheckOptions): Promise<CheckReport> {
    return checkStore({ db: this.db, blobs: this.blobs, files: this }, opts);
  }

  get(path: string): FileInfo | undefined {
    const row = this.q.get.get(path);
    return row ? toInfo(row) : undefined;
  }

  /** The row for `path` or a 404 that says how to find what exists. */
  require(path: string): FileInfo {
    const info = this.get(path);
    if (!info) throw fileNotFound(path);
    return info;
  }

  /**
   * Stores bytes under a logical path (already normalised by the caller). Resolves once
   * the blob is fsynced and the row (and its search passages) committed. When `signal`
   * has fired by the time the row would commit (the call timed out, the client left),
   * nothing is committed, the blob is collected, and the signal's reason is thrown.
   */
  async put(
    path: string,
    source: ByteSource,
    maxBytes = Infinity,
    signal?: AbortSignal,
  ): Promise<PutResult> {
    // The text to index comes from the bytes the write read back from its own temp file:
    // reading the blob again by hash failed (500) when another writer had collected it.
    const indexes = (head: Uint8Array, size: number) =>
      this.indexer !== undefined && size <= MAX_INDEXED_TEXT_BYTES && looksLikeText(head);
    const blob = await this.blobs.write(source, maxBytes, undefined, indexes);
    try {
      const isText = looksLikeText(blob.head);
      const text = blob.bytes ? decodeText(blob.bytes) : undefined;
      try {
        await this.checkWrite?.(path, isText ? text : undefined, blob.size);
      } catch (err) {
        this.collect([blob.hash]);
        throw err;
      }
      // commit() is synchronous: once past this check, no timer fires before the commit.
      if (signal?.aborted) {
        this.collect([blob.hash]);
        throw signal.reason;
      }
      return this.commit(path, blob, isText, text);
    } finally {
      blob.release();
    }
  }

  /** Records a blob placed by a single write. Synchronous: one transaction. */
  commit(path: string, blob: PlacedBlob, isText: boolean, text: string | undefined): PutResult {
    const { hash, size } = blob;
    const now = Date.now();
    let before: FileRow | null = null;
    let row!: FileRow;
    this.db
      .transaction(() => {
        // Under the write lock, where collectors work: the row never points at a removed blob.
        blob.ensurePresent();
        before = this.q.get.get(path);
        if (before && before.hash === hash) {
          row = before;
          return;
        }
        row = this.q.upsert.get(
          path,
          hash,
          size,
          contentTypeFor(path, isText),
          isText ? 1 : 0,
          now,
          blob.lines,
        )!;
        if (this.indexer) {
          if (before) this.indexer.remove(row.id);
          if (text !== undefined) this.indexer.index(row.id, path, text);
        }
      })
      .immediate();
    const prev = before as FileRow | null;
    if (prev && prev.hash !== hash) this.collect([prev.hash]);
    if (!prev || prev.hash !== hash) this.#changed(path, "written");
    return { file: toInfo(row), created: !prev, changed: !prev || prev.hash !== hash };
  }

  /**
   * Records many blobs that are already durable, in ONE transaction: bulk imports pay one
   * commit fsync per batch instead of one per file, without weakening durability.
   * Entries are applied in order; each result is what commit() would have returned.
   */
  commitMany(entries: CommitEntry[]): PutResult[] {
    const now = Date.now();
    const results: PutResult[] = [];
    const replaced: string[] = [];
    this.db
      .transaction(() => {
        // Under the write lock, where collectors work: every blob is still there (another
        // process may have collected one with the same bytes since it was written).
        const gone = entries.filter((e) => !this.blobs.exists(e.hash));
        if (gone.length) throw new BlobsGone(gone.map((e) => e.path));
        // Rows first, index second: an UPSERT opens a statement savepoint, and FTS5 flushes
        // its in-memory terms to a new segment at every savepoint — interleaving the two
        // made a bulk import ~3x slower.
        // Keyed by row id: the same path twice in one batch indexes only its last version.
        const toIndex = new Map<number, { entry: CommitEntry; replacing: boolean }>();
        for (const e of entries) {
          const before = this.q.get.get(e.path);
          if (before && before.hash === e.hash) {
            results.push({ file: toInfo(before), created: false, changed: false });
            continue;
          }
          const row = this.q.upsert.get(
            e.path,
            e.hash,
            e.size,
            contentTypeFor(e.path, e.isText),
            e.isText ? 1 : 0,
            now,
            e.lines ?? null,
          )!;
          toIndex.set(row.id, {
            entry: e,
            replacing: before !== null || toIndex.get(row.id)?.replacing === true,
          });
          if (before) replaced.push(before.hash);
          results.push({ file: toInfo(row), created: !before, changed: true });
        }
        if (this.indexer) {
          for (const [id, x] of toIndex) if (x.replacing) this.indexer.remove(id);
          for (const [id, { entry }] of toIndex) {
            if (entry.passages) this.indexer.indexPassages(id, entry.passages);
            else if (entry.text !== undefined) this.indexer.index(id, entry.path, entry.text);
          }
        }
      })
      .immediate();
    this.collect(replaced);
    for (const r of results) if (r.changed) this.#changed(r.file.path, "written");
    return results;
  }

  /** Deletes many paths in one transaction; paths that do not exist are ignored. */
  deleteMany(paths: string[]): FileInfo[] {
    const gone: FileRow[] = [];
    this.db
      .transaction(() => {
        for (const path of paths) {
          const row = this.q.del.get(path);
          if (!row) continue;
          if (this.indexer) this.indexer.remove(row.id);
          gone.push(row);
        }
      })
      .immediate();
    this.collect(gone.map((row) => row.hash));
    for (const row of gone) this.#changed(row.path, "deleted");
    return gone.map(toInfo);
  }

  /** Every path under a prefix with its hash, in path order (for incremental imports). */
  hashesUnder(prefix: string): Map<string, string> {
    const end = prefixEnd(prefix);
    const rows = (
      end === undefined
        ? this.db.query("SELECT path, hash FROM files ORDER BY path").all()
        : this.db
            .query("SELECT path, hash FROM files WHERE path >= ?1 AND path < ?2 ORDER BY path")
            .all(prefix, end)
    ) as { path: string; hash: string }[];
    return new Map(rows.map((r) => [r.path, r.hash]));
  }

  delete(path: string, opts: { keepBlob?: boolean } = {}): FileInfo {
    let row: FileRow | null = null;
    this.db
      .transaction(() => {
        row = this.q.del.get(path);
        if (row && this.indexer) this.indexer.remove(row.id);
      })
      .immediate();
    const gone = row as FileRow | null;
    if (!gone) throw fileNotFound(path);
    if (!opts.keepBlob) this.collect([gone.hash]);
    this.#changed(path, "deleted");
    return toInfo(gone);
  }

  #changed(path: string, change: FileChange["change"]): void {
    if (!this.onChange) return;
    try {
      this.onChange({ kind: "file", path, change });
    } catch (err) {
      logError("file change listener failed", { error: err, path });
    }
  }

  /**
   * Files in path order. The cursor names the last path returned, so pages stay stable
   * and complete while files are added or removed elsewhere in the listing.
   */
  list(prefix: string, limit: number, cursor?: string): ListPage {
    const after = cursor === undefined ? "" : decodeFileCursor(cursor);
    if (after && !after.startsWith(prefix))
      throw badRequest("invalid_cursor", "cursor does not belong to this prefix");
    const end = prefixEnd(prefix);
    const rows =
      end === undefined
        ? this.q.listAll.all(after, limit + 1)
        : this.q.list.all(prefix, end, after, limit + 1);
    const page = rows.slice(0, limit).map(toInfo);
    return rows.length > limit
      ? { files: page, next_cursor: encodeFileCursor(page[page.length - 1]!.path) }
      : { files: page };
  }

  /**
   * Paths under `prefix` whose last segment is `name` (e.g. every SKILL.md), in path
   * order, after `after`: one range scan of the prefix.
   */
  pathsNamed(prefix: string, name: string, limit: number, after = ""): string[] {
    const end = prefixEnd(prefix);
    const suffix = `/${name}`;
    const rows = (
      end === undefined
        ? this.db
            .query(
              "SELECT path FROM files WHERE path > ?1 AND substr(path, -?3) = ?2 ORDER BY path LIMIT +?4",
            )
            .all(after, suffix, suffix.length, limit)
        : this.db
            .query(
              `SELECT path FROM files WHERE path >= ?1 AND path < ?2 AND path > ?3
                 AND substr(path, -?5) = ?4 ORDER BY path LIMIT +?6`,
            )
            .all(prefix, end, after, suffix, suffix.length, limit)
    ) as { path: string }[];
    return rows.map((r) => r.path);
  }

  count(): number {
    return (this.db.query("SELECT count(*) AS n FROM files").get() as { n: number }).n;
  }

  /** Opens the bytes of a stored file. */
  open(info: FileInfo) {
    return this.blobs.file(info.sha256);
  }

  /**
   * A file's row and its bytes, opened. A delete (or overwrite) between the row and the
   * open is not damage: the path is then gone (404) or holds other bytes (read those).
   * Only a row whose own bytes are missing is blob_missing. The caller closes the blob.
   */
  openRead(path: string): { info: FileInfo; blob: OpenBlob; lines?: number } {
    for (let attempt = 0; ; attempt++) {
      const row = this.q.get.get(path);
      if (!row) throw fileNotFound(path);
      const blob = this.blobs.openRead(row.hash);
      if (blob && blob.size !== row.size) {
        // Blobs are complete before they are linked, so a size that differs is damage
        // (truncated on disk): answering 200 would send fewer bytes than the ETag claims.
        blob.close();
        throw blobMissing(path, `are damaged (${blob.size} bytes on disk, ${row.size} stored)`);
      }
      if (blob) return { info: toInfo(row), blob, lines: row.lines ?? undefined };
      const now = this.q.get.get(path);
      if (!now) throw fileNotFound(path);
      if (now.hash === row.hash || attempt >= 3) throw blobMissing(path);
    }
  }

  /**
   * Switches this connection to bulk-load settings for an import (see bulk-load.ts);
   * call the returned function to restore them.
   */
  beginBulkLoad(): () => void {
    return beginBulkLoad(this.db, this.indexer !== undefined);
  }

  /** The bytes stored under a content hash (e.g. a row from textFilesAfter). */
  async bytesOf(hash: string): Promise<Uint8Array> {
    return this.blobs.file(hash).bytes();
  }

  /** All bytes of a stored file (see openRead for what a concurrent delete gives). */
  async readBytes(info: FileInfo): Promise<Uint8Array> {
    return this.openRead(info.path).blob.bytes();
  }

  textFileCount(): number {
    return (
      this.db.query("SELECT count(*) AS n FROM files WHERE is_text = 1").get() as { n: number }
    ).n;
  }

  /** Text files in id order after `afterId`: a stable walk for rebuilding the index. */
  textFilesAfter(
    afterId: number,
    limit: number,
  ): { id: number; path: string; hash: string; size: number }[] {
    return this.db
      .query(
        "SELECT id, path, hash, size FROM files WHERE is_text = 1 AND id > ? ORDER BY id LIMIT +?",
      )
      .all(afterId, limit) as never;
  }

  /**
   * Removes the blobs among `hashes` that no row refers to — inside a write transaction,
   * so that it cannot interleave with a writer (of this or another process) between the
   * writer's check that its blob is in place and its commit (see PlacedBlob, commitMany).
   * The rows are already committed: a failure here only leaves garbage for quiver check.
   */
  collect(hashes: string[]): void {
    if (!hashes.length) return;
    try {
      this.db
        .transaction(() => {
          for (const hash of new Set(hashes))
            if (this.q.refs.get(hash)!.n === 0) this.blobs.remove(hash);
        })
        .immediate();
    } catch (err) {
      logError("could not remove unreferenced blobs (quiver check --repair will)", { error: err });
    }
  }
}

/**
 * Blobs of a bulk commit that another process collected after they were written: nothing
 * was committed; writing them again and retrying the commit is safe.
 */
export class BlobsGone extends Error {
  constructor(readonly paths: string[]) {
    super(
      `blobs removed before their rows committed: ${paths.slice(0, 3).join(", ")}${paths.length > 3 ? ", …" : ""}`,
    );
  }
}

/** The row exists but its bytes do not: damage to the data directory, not bad input. */
export function blobMissing(
  path: string,
  what = "are missing from the data directory",
): QuiverError {
  return new QuiverError(
    500,
    "blob_missing",
    `the stored bytes of "${path}" ${what}; run quiver check --repair`,
  );
}

function toInfo(row: FileRow): FileInfo {
  return {
    path: row.path,
    size: row.size,
    sha256: row.hash,
    content_type: row.content_type,
    is_text: row.is_text === 1,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}
