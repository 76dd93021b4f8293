import { statSync } from "node:fs";
import { resolve } from "node:path";
import { DEFAULT_MAX_IMPORT_FILE_BYTES } from "../config.ts";
import { badRequest } from "../errors.ts";
import { BlobsGone, type CommitEntry, type PutResult } from "../store/files.ts";
import type { Files } from "../store/interfaces/files.ts";
import { normalizePath, normalizePrefix } from "../store/paths.ts";
import { type BatchPreparer, startPreparer } from "./batch-preparer.ts";
import { type Prepared, type PrepareItem, prepareBatch } from "./prepare-file.ts";
import { type FoundFile, type Skipped, walkTree } from "./walk.ts";

/**
 * Imports a directory tree into the file store (and so into the search index). One
 * implementation for `quiver index` and for the `import_path` job: progress goes to a
 * callback, cancellation comes from an AbortSignal, and `checkpoint` runs after every
 * committed batch (a job records its progress there; throwing from it stops the import).
 *
 * Incremental: a file whose bytes hash to what its logical path already holds is not
 * rewritten. Throughput comes from batching — many files per transaction (each blob is
 * fsynced before the batch's rows commit, so durability is as for single writes), and
 * from two cores: everything per file that is not SQLite (reading, hashing, chunking,
 * blob writes; batch-preparer.ts) runs on a worker thread, batches ahead, while the main
 * thread commits.
 */
export interface ImportOptions {
  /** Directory to import. */
  root: string;
  /** Logical path prefix, e.g. "docs/" (a trailing "/" is added when missing). */
  prefix?: string;
  /** Remove stored files under the prefix that are no longer in the tree. */
  sync?: boolean;
  includeHidden?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ImportProgress) => void;
  checkpoint?: (p: ImportProgress) => void | Promise<void>;
  /** Files per transaction. */
  batchFiles?: number;
  /** Bytes per transaction (whichever limit is reached first). */
  batchBytes?: number;
  /** Files read and written concurrently within a batch. */
  concurrency?: number;
  /** Files larger than this are skipped (default DEFAULT_MAX_IMPORT_FILE_BYTES, 1 GiB). */
  maxFileBytes?: number;
  /**
   * The root's real path as checked against --import-root (import_path jobs): the walk
   * refuses a root that resolves elsewhere by the time it is opened.
   */
  rootReal?: string;
  /**
   * false: prepare files in the main thread instead of on a worker thread (the fallback
   * when no worker starts; tests compare the two).
   */
  worker?: boolean;
}

export interface ImportProgress {
  files_done: number;
  files_total: number;
  bytes_done: number;
  bytes_total: number;
  /** The last file handled, relative to the root. */
  current?: string;
}

export interface ImportSummary {
  added: number;
  updated: number;
  unchanged: number;
  /** Binary files among added/updated: stored, but not indexed for search. */
  skipped_binary: number;
  removed: number;
  /** Entries not imported (symlinks, invalid names, unreadable), first 100 listed. */
  skipped: number;
  skipped_list: Skipped[];
  /** Regular files looked at (whatever became of them) and their bytes. */
  files: number;
  bytes: number;
  seconds: number;
  /** True when the signal stopped the import early (what was committed stays). */
  aborted: boolean;
}

/** Bytes of files whose batches are being prepared ahead of the commits (beyond the next). */
const MAX_AHEAD_BYTES = 64 * 1024 * 1024;
/** Files in the first batch; the next ones double up to batchFiles. */
const FIRST_BATCH_FILES = 100;

export async function importTree(files: Files, opts: ImportOptions): Promise<ImportSummary> {
  const started = performance.now();
  const root = resolve(opts.root);
  // The root is what the caller named, so a symlinked root is followed (once, here);
  // links found inside it are not.
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(root);
  } catch {
    throw badRequest("invalid_path", `${opts.root}: no such directory`);
  }
  if (!st.isDirectory()) throw badRequest("invalid_path", `${opts.root}: not a directory`);
  const prefix = opts.prefix
    ? normalizePrefix(opts.prefix.endsWith("/") ? opts.prefix : `${opts.prefix}/`, "prefix")
    : "";
  // 1,000 files (~5 MB of docs) per transaction: on the benchmark corpus, 10x fewer
  // commits and syncfs calls than 100 cut ~10% of the import's CPU time and ~15% of its
  // writes (FTS5 writes a new segment at every commit, later merged again).
  const batchFiles = opts.batchFiles ?? 1000;
  const batchBytes = opts.batchBytes ?? 32 * 1024 * 1024;
  const concurrency = opts.concurrency ?? 16;
  // Started first: the worker thread loads while this one walks the tree.
  const starting = startPreparer(files.blobWriter, {
    concurrency,
    index: files.indexes,
    worker: opts.worker,
    maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_IMPORT_FILE_BYTES,
    signal: opts.signal,
  });
  try {
    return await importWalked(files, opts, root, prefix, batchFiles, batchBytes, starting, started);
  } finally {
    (await starting).close();
  }
}

async function importWalked(
  files: Files,
  opts: ImportOptions,
  root: string,
  prefix: string,
  batchFiles: number,
  batchBytes: number,
  starting: Promise<BatchPreparer>,
  started: number,
): Promise<ImportSummary> {
  const walked = walkTree(root, opts.includeHidden ?? false, opts.rootReal);
  const skippedAll: Skipped[] = [...walked.skipped];
  const existing = await files.hashesUnder(prefix);
  const seen = new Set<string>();
  const summary: ImportSummary = {
    added: 0,
    updated: 0,
    unchanged: 0,
    skipped_binary: 0,
    removed: 0,
    skipped: 0,
    skipped_list: [],
    files: 0,
    bytes: 0,
    seconds: 0,
    aborted: false,
  };
  const progress: ImportProgress = {
    files_done: 0,
    files_total: walked.files.length,
    bytes_done: 0,
    bytes_total: walked.files.reduce((n, f) => n + f.size, 0),
  };

  // Logical paths first: an invalid name is reported, not fatal.
  // Two names that differ only in Unicode normalization ("é" as one code point, NFC, and
  // as e + combining accent, NFD: macOS writes the latter) are two files on disk but one
  // logical path: the first in walk order is imported, the other reported, never silently
  // dropped or written over the first.
  const todo: { file: FoundFile; path: string }[] = [];
  const relOf = new Map<string, string>();
  for (const file of walked.files) {
    let reason: string | undefined;
    try {
      const path = normalizePath(prefix + file.rel);
      const first = relOf.get(path);
      if (first === undefined) {
        todo.push({ file, path });
        seen.add(path);
        relOf.set(path, file.rel);
      } else
        reason = `same logical path "${path}" as "${first}" (the names differ only in Unicode normalization); not imported`;
    } catch (err) {
      reason = `invalid logical path: ${(err as Error).message}`;
    }
    if (reason !== undefined) {
      skippedAll.push({ rel: file.rel, reason });
      progress.files_done++;
      progress.bytes_done += file.size;
    }
  }

  // Batches of up to batchFiles files or batchBytes bytes. The first ones are smaller
  // (100, 200, 400... files) so that the main thread has something to commit soon after
  // the start instead of idling while a whole first batch is prepared.
  const batches: PrepareItem[][] = [];
  const rels: string[][] = [];
  const sizes: number[] = [];
  for (let i = 0; i < todo.length; ) {
    const limit = Math.min(batchFiles, FIRST_BATCH_FILES * 2 ** batches.length);
    const batch: PrepareItem[] = [];
    const rel: string[] = [];
    let bytes = 0;
    while (
      i < todo.length &&
      batch.length < limit &&
      (batch.length === 0 || bytes + todo[i]!.file.size <= batchBytes)
    ) {
      const { file, path } = todo[i++]!;
      bytes += file.size;
      batch.push({
        abs: file.abs,
        size: file.size,
        dev: file.dev,
        ino: file.ino,
        path,
        storedHash: existing.get(path),
      });
      rel.push(file.rel);
    }
    batches.push(batch);
    rels.push(rel);
    sizes.push(bytes);
  }

  // Pipelined: later batches are read, hashed, chunked and written to the blob store (on
  // the worker thread when there is one) while this one's rows and passages commit.
  const preparer = await starting;
  const inFlight: Promise<Prepared[]>[] = [];
  let requested = 0;
  let aheadBytes = 0;
  // Blobs of this batch that another process collected (same bytes, its last file deleted)
  // between their write and this commit: write those again, once — here, in this thread
  // (it is rare) — and commit.
  const commitBatch = async (
    entries: CommitEntry[],
    batch: PrepareItem[],
  ): Promise<PutResult[]> => {
    try {
      return await files.commitMany(entries);
    } catch (err) {
      if (!(err instanceof BlobsGone)) throw err;
      const gone = new Set(err.paths);
      const again = await prepareBatch(
        files.blobWriter,
        batch.filter((item) => gone.has(item.path)),
        {
          concurrency: opts.concurrency ?? 16,
          index: files.indexes,
          maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_IMPORT_FILE_BYTES,
          signal: opts.signal,
        },
      );
      const rewritten = new Map(
        again.flatMap((p) => (p.kind === "write" ? [[p.entry.path, p.entry] as const] : [])),
      );
      return await files.commitMany(entries.map((e) => rewritten.get(e.path) ?? e));
    }
  };
  const restorePragmas = files.beginBulkLoad();
  try {
    for (let k = 0; k < batches.length; k++) {
      // Blobs already written are committed even when aborted, so nothing is left
      // orphaned: after an abort no batch is asked for, but those in flight (at most
      // preparer.ahead) still commit.
      if (opts.signal?.aborted) summary.aborted = true;
      // Always the next batch; more (up to preparer.ahead) while what is in flight stays
      // under MAX_AHEAD_BYTES, so a tree of big files does not fill memory.
      while (
        !summary.aborted &&
        requested < batches.length &&
        requested <= k + preparer.ahead &&
        (requested <= k + 1 || aheadBytes + sizes[requested]! <= MAX_AHEAD_BYTES)
      ) {
        aheadBytes += sizes[requested]!;
        const p = preparer.prepare(batches[requested++]!);
        p.catch(() => {}); // awaited in its turn; no unhandled rejection meanwhile
        inFlight.push(p);
      }
      if (!inFlight.length) break;
      const prepared = await inFlight.shift()!;
      aheadBytes -= sizes[k]!;
      const batch = batches[k]!;
      const entries: CommitEntry[] = [];
      prepared.forEach((p, j) => {
        if (p.kind === "unchanged") summary.unchanged++;
        else if (p.kind === "skipped") skippedAll.push({ rel: rels[k]![j]!, reason: p.reason });
        else entries.push(p.entry);
      });
      if (entries.length) {
        for (const [j, r] of (await commitBatch(entries, batch)).entries()) {
          if (!r.changed) summary.unchanged++;
          else {
            if (r.created) summary.added++;
            else summary.updated++;
            if (!entries[j]!.isText) summary.skipped_binary++;
          }
        }
      }
      for (const item of batch) progress.bytes_done += item.size;
      progress.files_done += batch.length;
      progress.current = rels[k]![batch.length - 1];
      opts.onProgress?.({ ...progress });
      await opts.checkpoint?.({ ...progress });
    }
  } catch (err) {
    // A failed commit or a checkpoint that says stop: let the batches being prepared
    // finish their I/O (their blobs stay unreferenced; quiver check sweeps them) before
    // giving up.
    await Promise.allSettled(inFlight);
    throw err;
  } finally {
    restorePragmas();
  }

  // Only a complete walk may decide what disappeared.
  if (opts.sync && !summary.aborted) {
    const gone = [...existing.keys()].filter((path) => !seen.has(path));
    for (let k = 0; k < gone.length; k += batchFiles)
      summary.removed += (await files.deleteMany(gone.slice(k, k + batchFiles))).length;
  }
  summary.files = progress.files_done;
  summary.bytes = progress.bytes_done;
  summary.skipped = skippedAll.length;
  summary.skipped_list = skippedAll.slice(0, 100);
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}
