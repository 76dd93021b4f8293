import type { SQL } from "bun";
import { badRequest } from "../../errors.ts";
import { logError } from "../../log.ts";
import type { Awaitable } from "../awaitable.ts";
import { OpenBlob } from "../blob-reader.ts";
import type { BlobWriter, ByteSource } from "../blobs.ts";
import type { CheckOptions, CheckReport } from "../check.ts";
import { contentTypeFor, decodeText, looksLikeText } from "../content.ts";
import { decodeFileCursor, encodeFileCursor, fileNotFound } from "../file-rows.ts";
import {
  BlobsGone,
  blobMissing,
  type CommitEntry,
  type FileChange,
  type FileInfo,
  type ListPage,
  MAX_INDEXED_TEXT_BYTES,
  type PutResult,
} from "../files.ts";
import type { Files } from "../interfaces/files.ts";
import { PgBlobStore, type StagedBlob } from "./blobs.ts";
import { checkPgStore } from "./check.ts";
import { indexPassages, indexText, removePassages } from "./passages.ts";
import { num, numOrNull } from "./rows.ts";

interface FileRow {
  id: number;
  path: string;
  hash: string;
  size: number;
  content_type: string;
  is_text: boolean;
  lines: number | null;
  created_at: number;
  updated_at: number;
}

function toRow(r: Record<string, unknown>): FileRow {
  return {
    id: num(r.id),
    path: String(r.path),
    hash: String(r.hash),
    size: num(r.size),
    content_type: String(r.content_type),
    is_text: r.is_text === true,
    lines: numOrNull(r.lines),
    created_at: num(r.created_at),
    updated_at: num(r.updated_at),
  };
}

function toInfo(row: FileRow): FileInfo {
  return {
    path: row.path,
    size: row.size,
    sha256: row.hash,
    content_type: row.content_type,
    is_text: row.is_text,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

/**
 * Stored files in PostgreSQL: metadata rows, bytes as content-addressed chunks (blobs.ts),
 * search passages (search.ts), all committed in one transaction per write — a write is
 * acknowledged when its row, its bytes and its passages are committed, and is searchable
 * on every replica from then on. Paths are compared bytewise (COLLATE "C"), as in SQLite.
 */
export class PgFileStore implements Files {
  readonly blobs: PgBlobStore;
  onChange?: (change: FileChange) => void;
  checkWrite?: (path: string, text: string | undefined, size: number) => Awaitable<void>;
  readonly indexes = true;
  readonly blobWriter: BlobWriter;

  constructor(private readonly sql: SQL) {
    this.blobs = new PgBlobStore(sql);
    const blobs = this.blobs;
    // Bulk imports write each blob as it is prepared (in this thread: there is no data
    // directory for a worker thread to open); commitMany checks they are still there.
    this.blobWriter = {
      dataDir: undefined,
      // Streamed (an imported file may be large): staged, then made a blob at once.
      write: async (source: ByteSource, maxBytes = Infinity) => {
        const staged = await blobs.stage(source, maxBytes);
        await blobs.place(staged);
        return staged;
      },
      writeBytes: (bytes: Uint8Array) => blobs.writeBytes(bytes),
      writeBytesSync: () => {
        throw new Error("PostgreSQL blobs are written asynchronously");
      },
      canWriteBytesSync: () => false,
      syncDirs: async () => {},
    } as unknown as BlobWriter;
  }

  async get(path: string): Promise<FileInfo | undefined> {
    const [r] = await this.sql`SELECT * FROM files WHERE path = ${path}`;
    return r ? toInfo(toRow(r)) : undefined;
  }

  async require(path: string): Promise<FileInfo> {
    const info = await this.get(path);
    if (!info) throw fileNotFound(path);
    return info;
  }

  async put(
    path: string,
    source: ByteSource,
    maxBytes = Infinity,
    signal?: AbortSignal,
  ): Promise<PutResult> {
    const indexes = (head: Uint8Array, size: number) =>
      size <= MAX_INDEXED_TEXT_BYTES && looksLikeText(head);
    const staged = await this.blobs.stage(source, maxBytes, indexes);
    try {
      const isText = looksLikeText(staged.head);
      const text = staged.bytes ? decodeText(staged.bytes) : undefined;
      await this.checkWrite?.(path, isText ? text : undefined, staged.size);
      return await this.commit(path, staged, isText, text, signal);
    } catch (err) {
      await this.blobs.discard(staged.key).catch(() => {});
      throw err;
    }
  }

  private async commit(
    path: string,
    staged: StagedBlob,
    isText: boolean,
    text: string | undefined,
    signal?: AbortSignal,
  ): Promise<PutResult> {
    const now = Date.now();
    let before: FileRow | undefined;
    let row!: FileRow;
    await this.sql.begin(async (tx) => {
      const [b] = await tx`SELECT * FROM files WHERE path = ${path} FOR UPDATE`;
      before = b ? toRow(b) : undefined;
      await PgBlobStore.promote(tx, staged);
      if (before && before.hash === staged.hash) {
        row = before;
        return;
      }
      const [r] =
        await tx`INSERT INTO files (path, hash, size, content_type, is_text, lines, created_at, updated_at)
        VALUES (${path}, ${staged.hash}, ${staged.size}, ${contentTypeFor(path, isText)}, ${isText},
          ${staged.lines}, ${now}, ${now})
        ON CONFLICT (path) DO UPDATE SET hash = excluded.hash, size = excluded.size,
          content_type = excluded.content_type, is_text = excluded.is_text,
          updated_at = excluded.updated_at, lines = excluded.lines
        RETURNING *`;
      row = toRow(r);
      if (before) await removePassages(tx, row.id);
      if (text !== undefined) await indexText(tx, row.id, path, text);
      // The last moment to give up: a call that timed out must not take effect afterwards.
      if (signal?.aborted) throw signal.reason;
    });
    const prev = before as FileRow | undefined;
    const changed = !prev || prev.hash !== staged.hash;
    if (prev && changed) await this.collect([prev.hash]);
    if (changed) this.#changed(path, "written");
    return { file: toInfo(row), created: !prev, changed };
  }

  async commitMany(entries: CommitEntry[]): Promise<PutResult[]> {
    const now = Date.now();
    const results: PutResult[] = [];
    const replaced: string[] = [];
    await this.sql.begin(async (tx) => {
      results.length = 0;
      replaced.length = 0;
      const missing = await PgBlobStore.missing(
        tx,
        entries.map((e) => e.hash),
      );
      if (missing.size)
        throw new BlobsGone(entries.filter((e) => missing.has(e.hash)).map((e) => e.path));
      for (const e of entries) {
        const [b] = await tx`SELECT * FROM files WHERE path = ${e.path} FOR UPDATE`;
        const before = b ? toRow(b) : undefined;
        if (before && before.hash === e.hash) {
          results.push({ file: toInfo(before), created: false, changed: false });
          continue;
        }
        const [r] =
          await tx`INSERT INTO files (path, hash, size, content_type, is_text, lines, created_at, updated_at)
          VALUES (${e.path}, ${e.hash}, ${e.size}, ${contentTypeFor(e.path, e.isText)}, ${e.isText},
            ${e.lines ?? null}, ${now}, ${now})
          ON CONFLICT (path) DO UPDATE SET hash = excluded.hash, size = excluded.size,
            content_type = excluded.content_type, is_text = excluded.is_text,
            updated_at = excluded.updated_at, lines = excluded.lines
          RETURNING *`;
        const row = toRow(r);
        if (before) {
          replaced.push(before.hash);
          await removePassages(tx, row.id);
        }
        if (e.passages) await indexPassages(tx, row.id, e.path, e.passages);
        else if (e.text !== undefined) await indexText(tx, row.id, e.path, e.text);
        results.push({ file: toInfo(row), created: !before, changed: true });
      }
    });
    await this.collect(replaced);
    for (const r of results) if (r.changed) this.#changed(r.file.path, "written");
    return results;
  }

  async deleteMany(paths: string[]): Promise<FileInfo[]> {
    const gone = (
      await this
        .sql`DELETE FROM files WHERE path = ANY(${this.sql.array(paths, "TEXT")}) RETURNING *`
    ).map(toRow);
    await this.collect(gone.map((r: FileRow) => r.hash));
    for (const r of gone) this.#changed(r.path, "deleted");
    return gone.map(toInfo);
  }

  async delete(
    path: string,
    opts: { keepBlob?: boolean; signal?: AbortSignal } = {},
  ): Promise<FileInfo> {
    // In a transaction that checks the call's signal before it commits: a DELETE held up
    // (by a lock, a slow server) past the tool timeout must not take effect after the
    // caller was told 504 (issue 12).
    const row = await this.sql.begin(async (tx) => {
      const [r] = await tx`DELETE FROM files WHERE path = ${path} RETURNING *`;
      if (!r) throw fileNotFound(path);
      if (opts.signal?.aborted) throw opts.signal.reason;
      return toRow(r);
    });
    if (!opts.keepBlob) await this.collect([row.hash]);
    this.#changed(path, "deleted");
    return toInfo(row);
  }

  #changed(path: string, change: FileChange["change"]): void {
    try {
      this.onChange?.({ kind: "file", path, change });
    } catch (err) {
      logError("file change listener failed", { error: err, path });
    }
  }

  async hashesUnder(prefix: string): Promise<Map<string, string>> {
    const rows = await this
      .sql`SELECT path, hash FROM files WHERE starts_with(path, ${prefix}) ORDER BY path`;
    return new Map(rows.map((r: { path: string; hash: string }) => [r.path, r.hash]));
  }

  async list(prefix: string, limit: number, cursor?: string): Promise<ListPage> {
    const after = cursor === undefined ? "" : decodeFileCursor(cursor);
    if (after && !after.startsWith(prefix))
      throw badRequest("invalid_cursor", "cursor does not belong to this prefix");
    const rows = (
      await this.sql`SELECT * FROM files WHERE starts_with(path, ${prefix}) AND path > ${after}
        ORDER BY path LIMIT ${limit + 1}`
    ).map(toRow);
    const page = rows.slice(0, limit).map(toInfo);
    return rows.length > limit
      ? { files: page, next_cursor: encodeFileCursor(page[page.length - 1]!.path) }
      : { files: page };
  }

  async pathsNamed(prefix: string, name: string, limit: number, after = ""): Promise<string[]> {
    const suffix = `/${name}`;
    const rows = await this.sql`SELECT path FROM files WHERE starts_with(path, ${prefix})
      AND path > ${after} AND right(path, ${suffix.length}) = ${suffix} ORDER BY path LIMIT ${limit}`;
    return rows.map((r: { path: string }) => r.path);
  }

  async count(): Promise<number> {
    const [r] = await this.sql`SELECT count(*) AS n FROM files`;
    return num(r.n);
  }

  async openRead(path: string): Promise<{ info: FileInfo; blob: OpenBlob; lines?: number }> {
    const [r] = await this.sql`SELECT f.*, b.hash AS present FROM files f
      LEFT JOIN blobs b ON b.hash = f.hash WHERE f.path = ${path}`;
    if (!r) throw fileNotFound(path);
    const row = toRow(r);
    if (r.present === null) throw blobMissing(path);
    const blobs = this.blobs;
    const blob = new OpenBlob(
      {
        read: (buf, offset, length, position) =>
          blobs.readAt(row.hash, buf, offset, length, position),
        close: () => {},
      },
      row.size,
    );
    return { info: toInfo(row), blob, lines: row.lines ?? undefined };
  }

  async readBytes(info: FileInfo): Promise<Uint8Array> {
    return (await this.openRead(info.path)).blob.bytes();
  }

  async bytesOf(hash: string): Promise<Uint8Array> {
    const [b] = await this.sql`SELECT size FROM blobs WHERE hash = ${hash}`;
    if (!b) throw new Error(`no blob ${hash}`);
    const size = num(b.size);
    return new OpenBlob(
      { read: (buf, o, l, p) => this.blobs.readAt(hash, buf, o, l, p), close: () => {} },
      size,
    ).bytes();
  }

  async textFileCount(): Promise<number> {
    const [r] = await this.sql`SELECT count(*) AS n FROM files WHERE is_text`;
    return num(r.n);
  }

  async textFilesAfter(afterId: number, limit: number) {
    const rows = await this
      .sql`SELECT id, path, hash, size FROM files WHERE is_text AND id > ${afterId}
      ORDER BY id LIMIT ${limit}`;
    return rows.map((r: Record<string, unknown>) => ({
      id: num(r.id),
      path: String(r.path),
      hash: String(r.hash),
      size: num(r.size),
    }));
  }

  beginBulkLoad(): () => void {
    return () => {};
  }

  /** quiver check (check.ts). */
  check(opts: CheckOptions): Promise<CheckReport> {
    return checkPgStore(this.sql, this.blobs, this, opts);
  }

  /** Collects blobs no row refers to; a failure only leaves garbage for quiver check. */
  async collect(hashes: string[]): Promise<void> {
    if (!hashes.length) return;
    try {
      await this.blobs.collect(hashes);
    } catch (err) {
      logError("could not remove unreferenced blobs (quiver check --repair will)", { error: err });
    }
  }
}
