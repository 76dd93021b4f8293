import type { Awaitable } from "../awaitable.ts";
import type { OpenBlob } from "../blob-reader.ts";
import type { BlobWriter, ByteSource } from "../blobs.ts";
import type { CheckOptions, CheckReport } from "../check.ts";
import type { CommitEntry, FileInfo, ListPage, PutResult } from "../files.ts";

/**
 * Stored files: logical path → bytes (content-addressed, with the blobs inside the
 * implementation) and their metadata. Every text write, overwrite and delete updates the
 * search index in the same transaction. Implemented on SQLite (files.ts) and PostgreSQL.
 */
export interface Files {
  get(path: string): Awaitable<FileInfo | undefined>;
  /** The row for `path` or a 404 that says how to find what exists. */
  require(path: string): Awaitable<FileInfo>;
  /**
   * Stores bytes under a logical path (already normalised). Resolves once bytes and row
   * are committed; when `signal` has fired by then, nothing is committed and its reason
   * is thrown.
   */
  put(
    path: string,
    source: ByteSource,
    maxBytes?: number,
    signal?: AbortSignal,
  ): Promise<PutResult>;
  /**
   * Deletes one file. `signal`: an asynchronous store checks it before it commits, as
   * `put` does (a synchronous one cannot be overtaken by it).
   */
  delete(path: string, opts?: { keepBlob?: boolean; signal?: AbortSignal }): Awaitable<FileInfo>;
  /** Deletes many paths in one transaction; paths that do not exist are ignored. */
  deleteMany(paths: string[]): Awaitable<FileInfo[]>;
  /** Records many blobs already written through `blobWriter`, in one transaction. */
  commitMany(entries: CommitEntry[]): Awaitable<PutResult[]>;
  /** Every path under a prefix with its hash (for incremental imports). */
  hashesUnder(prefix: string): Awaitable<Map<string, string>>;
  /** Files in path order, a page at a time (the cursor names the last path returned). */
  list(prefix: string, limit: number, cursor?: string): Awaitable<ListPage>;
  /** Paths under `prefix` whose last segment is `name`, in path order, after `after`. */
  pathsNamed(prefix: string, name: string, limit: number, after?: string): Awaitable<string[]>;
  count(): Awaitable<number>;
  /** A file's row and its bytes, opened; the caller closes the blob. */
  openRead(path: string): Awaitable<{ info: FileInfo; blob: OpenBlob; lines?: number }>;
  /** All bytes of a stored file. */
  readBytes(info: FileInfo): Promise<Uint8Array>;
  /** The bytes stored under a content hash (e.g. a row from textFilesAfter). */
  bytesOf(hash: string): Promise<Uint8Array>;
  textFileCount(): Awaitable<number>;
  /** Text files in id order after `afterId`: a stable walk for rebuilding the index. */
  textFilesAfter(
    afterId: number,
    limit: number,
  ): Awaitable<{ id: number; path: string; hash: string; size: number }[]>;
  /** Where a bulk import writes blobs before commitMany points rows at them. */
  readonly blobWriter: BlobWriter;
  /** Whether commits also index text (bulk imports then prepare passages beforehand). */
  readonly indexes: boolean;
  /** Import settings for the duration of a bulk load; call the result to restore them. */
  beginBulkLoad(): () => void;
  /** quiver check: rows against bytes, and the engine's own integrity check. */
  check(opts: CheckOptions): Promise<CheckReport>;
}
