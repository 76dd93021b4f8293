import type { SQL } from "bun";
import { logError } from "../../log.ts";
import type { Awaitable } from "../awaitable.ts";
import type { BlobWriter, ByteSource } from "../blobs.ts";
import type { CheckOptions, CheckReport } from "../check.ts";
import { decodeText, looksLikeText } from "../content.ts";
import { fileNotFound } from "../file-rows.ts";
import {
  BlobsGone,
  type CommitEntry,
  type FileChange,
  type FileInfo,
  MAX_INDEXED_TEXT_BYTES,
  type PutResult,
} from "../files.ts";
import type { Files } from "../interfaces/files.ts";
import { PgBlobStore, type StagedBlob } from "./blobs.ts";
import { checkPgStore } from "./check.ts";
import { PgFileReads } from "./file-reads.ts";
import { type FileRow, lockedRow, toInfo, toRow, upsertRow } from "./file-row.ts";
import { indexPassages, indexText, removePassages } from "./passages.ts";

/**
 * Stored files in PostgreSQL: metadata rows, bytes as content-addressed chunks (blobs.ts),
 * search passages (passages.ts), all committed in one transaction per write — a write is
 * acknowledged when its row, its bytes and its passages are committed, and is searchable
 * on every replica from then on. Paths are compared bytewise (COLLATE "C"), as in SQLite.
 */
export class PgFileStore extends PgFileReads implements Files {
  onChange?: (change: FileChange) => void;
  checkWrite?: (path: string, text: string | undefined, size: number) => Awaitable<void>;
  readonly indexes = true;
  readonly blobWriter: BlobWriter;

  constructor(sql: SQL) {
    super(sql, new PgBlobStore(sql));
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
      before = await lockedRow(tx, path);
      await PgBlobStore.promote(tx, staged);
      if (before && before.hash === staged.hash) {
        row = before;
        return;
      }
      row = await upsertRow(
        tx,
        { path, hash: staged.hash, size: staged.size, isText, lines: staged.lines },
        now,
      );
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
        const before = await lockedRow(tx, e.path);
        if (before && before.hash === e.hash) {
          results.push({ file: toInfo(before), created: false, changed: false });
          continue;
        }
        const row = await upsertRow(tx, { ...e, lines: e.lines ?? null }, now);
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
