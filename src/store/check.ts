import type { Database } from "bun:sqlite";
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { BlobStore } from "./blobs.ts";
import type { FileStore } from "./files.ts";

/**
 * Consistency check of the store: every file row has its blob and the blob hashes to its
 * name; no blob is left without a row; no stale temp file lingers. `repair` drops rows
 * whose bytes are gone or corrupt (they cannot be recovered; everything else is kept)
 * and deletes orphan blobs and stale temp files.
 */
export interface CheckReport {
  /** What SQLite's integrity check found wrong in quiver.db ([] when it is sound). */
  database: string[];
  files: number;
  missing_blobs: string[];
  corrupt_blobs: string[];
  orphan_blobs: number;
  stale_temp_files: number;
  repaired: boolean;
}

const STALE_TEMP_MS = 3600_000;

export interface CheckOptions {
  repair: boolean;
  verifyHashes?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** The store's parts the check reads; FileStore.check passes its own (nobody else has them). */
export interface CheckedStore {
  db: Database;
  blobs: BlobStore;
  files: FileStore;
}

export async function checkStore(
  { db, blobs, files }: CheckedStore,
  opts: CheckOptions,
): Promise<CheckReport> {
  // A damaged database is reported, never "repaired" from: its rows cannot be trusted to
  // say which blobs are orphans.
  const database = databaseProblems(db, opts.verifyHashes !== false);
  if (database.length)
    return {
      database,
      files: 0,
      missing_blobs: [],
      corrupt_blobs: [],
      orphan_blobs: 0,
      stale_temp_files: 0,
      repaired: false,
    };
  const rows = db.query("SELECT path, hash FROM files ORDER BY path").all() as {
    path: string;
    hash: string;
  }[];
  const missing: string[] = [];
  const corrupt: string[] = [];
  const referenced = new Set<string>();
  let done = 0;
  for (const row of rows) {
    referenced.add(row.hash);
    const blob = blobs.file(row.hash);
    if (!(await blob.exists())) missing.push(row.path);
    else if (opts.verifyHashes !== false) {
      const hasher = new Bun.CryptoHasher("sha256");
      for await (const chunk of blob.stream()) hasher.update(chunk);
      if (hasher.digest("hex") !== row.hash) corrupt.push(row.path);
    }
    opts.onProgress?.(++done, rows.length);
  }

  const orphans: string[] = [];
  for (const dir of safeReaddir(blobs.root)) {
    for (const name of safeReaddir(join(blobs.root, dir))) {
      const hash = dir + name;
      if (/^[0-9a-f]{64}$/.test(hash) && !referenced.has(hash)) orphans.push(hash);
    }
  }
  const tmpDir = join(blobs.root, "..", "tmp");
  const stale = safeReaddir(tmpDir).filter(
    (name) => Date.now() - statSync(join(tmpDir, name)).mtimeMs > STALE_TEMP_MS,
  );

  if (opts.repair) {
    for (const path of missing) files.delete(path, { keepBlob: true });
    // A corrupt blob goes with its row (delete collects it when nothing else points at it).
    for (const path of corrupt) files.delete(path);
    // Re-checked at removal, under the write lock: a write may have landed since the scan.
    files.collect(orphans);
    for (const name of stale) rmSync(join(tmpDir, name), { force: true });
  }
  return {
    database,
    files: rows.length,
    missing_blobs: missing,
    corrupt_blobs: corrupt,
    orphan_blobs: orphans.length,
    stale_temp_files: stale.length,
    repaired: opts.repair,
  };
}

/** integrity_check (or the faster quick_check), its findings as lines; SQLite errors too. */
function databaseProblems(db: Database, thorough: boolean): string[] {
  try {
    const rows = db
      .query(thorough ? "PRAGMA integrity_check(20)" : "PRAGMA quick_check(20)")
      .values() as [string][];
    const lines = rows.map((r) => String(r[0]));
    return lines.length === 1 && lines[0] === "ok" ? [] : lines;
  } catch (err) {
    return [(err as Error).message];
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
