import { closeSync } from "node:fs";
import { QuiverError } from "../errors.ts";
import type { BlobWriter } from "../store/blobs.ts";
import { looksLikeText } from "../store/content.ts";
import type { CommitEntry } from "../store/files.ts";
import { MAX_INDEXED_TEXT_BYTES } from "../store/files.ts";
import { passagesForIndex } from "../store/index-passages.ts";
import { ChangedWhileRead, openWalked, readAll, readAllSync, readChunks } from "./open-file.ts";

/**
 * The per-file work of an import that does not touch the database: read, hash, sniff,
 * decode, make index passages, write the blob. No SQLite here on purpose — this module
 * runs on the import worker thread (prepare-worker.ts), or in the main thread when no
 * worker could be started; either way it gives the same results.
 */

/**
 * One file to prepare: where it is and what it was when walked (device, inode: the file
 * read must be that one), its logical path, and the hash stored there now.
 */
export interface PrepareItem {
  abs: string;
  size: number;
  dev: number;
  ino: number;
  path: string;
  storedHash?: string;
}

export type Prepared =
  | { kind: "unchanged" }
  | { kind: "skipped"; reason: string }
  | { kind: "write"; entry: CommitEntry };

export interface PrepareOptions {
  /** Files read and written concurrently within a batch. */
  concurrency: number;
  /** Make index passages for text files (false when the store has no search index). */
  index: boolean;
  /**
   * Blocking reads and writes, one file after the other (the worker thread, where nothing
   * else waits on it): less CPU than async I/O. Needs syncfs; ignored without it, since
   * per-file fsyncs one at a time would be far slower than concurrent ones.
   */
  blocking?: boolean;
  /** Files larger than this (on the open descriptor) are skipped. */
  maxFileBytes: number;
  /** Stops reading files (in-thread preparation only): they are skipped as canceled. */
  signal?: AbortSignal;
}

/**
 * Prepares a batch and makes every blob it wrote durable (one syncfs, or the per-file
 * fsync fallback) before resolving: the caller may commit the rows as soon as it has them.
 * Rejects only on errors that must stop the import (disk full, read-only store).
 */
export async function prepareBatch(
  blobs: BlobWriter,
  items: PrepareItem[],
  opts: PrepareOptions,
): Promise<Prepared[]> {
  const dirs = new Set<string>();
  const blocking = opts.blocking === true && blobs.canWriteBytesSync();
  const prepared = await mapConcurrent(items, blocking ? 1 : opts.concurrency, (item) =>
    prepareFile(blobs, item, dirs, opts, blocking),
  );
  await blobs.syncDirs(dirs);
  return prepared;
}

/** Reads and hashes one file; writes its blob unless the path already holds these bytes. */
async function prepareFile(
  blobs: BlobWriter,
  item: PrepareItem,
  dirs: Set<string>,
  opts: PrepareOptions,
  blocking: boolean,
): Promise<Prepared> {
  const { signal } = opts;
  if (signal?.aborted) return { kind: "skipped", reason: "import canceled before this file" };
  const opened = openWalked(item, opts.maxFileBytes);
  if ("skipped" in opened) return { kind: "skipped", reason: opened.skipped };
  const { fd, size } = opened;
  try {
    if (size > MAX_INDEXED_TEXT_BYTES) {
      // Too big to hold in memory or to index: hash and store by streaming.
      const hasher = new Bun.CryptoHasher("sha256");
      for await (const chunk of readChunks(fd, size, signal)) hasher.update(chunk);
      if (hasher.digest("hex") === item.storedHash) return { kind: "unchanged" };
      const blob = await blobs.write(readChunks(fd, size, signal), Infinity, dirs);
      return {
        kind: "write",
        entry: {
          path: item.path,
          hash: blob.hash,
          size: blob.size,
          lines: blob.lines,
          isText: looksLikeText(blob.head),
        },
      };
    }
    const bytes = blocking ? readAllSync(fd, size) : await readAll(fd, size, signal);
    if (
      item.storedHash !== undefined &&
      Bun.CryptoHasher.hash("sha256", bytes, "hex") === item.storedHash
    )
      return { kind: "unchanged" };
    const blob = blocking ? blobs.writeBytesSync(bytes, dirs) : await blobs.writeBytes(bytes, dirs);
    const isText = looksLikeText(blob.head);
    const entry: CommitEntry = {
      path: item.path,
      hash: blob.hash,
      size: blob.size,
      lines: blob.lines,
      isText,
    };
    if (isText && opts.index) entry.passages = passagesForIndex(utf8(bytes));
    return { kind: "write", entry };
  } catch (err) {
    if (signal?.aborted) return { kind: "skipped", reason: "import canceled while reading" };
    if (err instanceof ChangedWhileRead)
      return { kind: "skipped", reason: `changed size while being read (${err.message})` };
    // A full disk stops the import (as ENOSPC does); other refusals skip the file.
    if (err instanceof QuiverError && err.status !== 507)
      return { kind: "skipped", reason: err.message };
    if (err instanceof QuiverError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOSPC" || code === "EDQUOT" || code === "EROFS") throw err;
    return { kind: "skipped", reason: `unreadable (${code ?? (err as Error).message})` };
  } finally {
    closeSync(fd);
  }
}

/**
 * decodeText's result (invalid sequences become U+FFFD) via Buffer, whose UTF-8 decoder
 * skips the fatal first pass decodeText makes (the head was already validated).
 */
function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
}

async function mapConcurrent<T, R>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const k = next++;
      out[k] = await fn(items[k]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
