import { closeSync, openSync } from "node:fs";

/**
 * syncfs(2) — flush every dirty page and inode of one filesystem in a single call — for
 * bulk imports: one call per batch makes all of its blobs and their renames durable,
 * where per-file fsync cost ~9,000 journal commits for the benchmark corpus. Linux only
 * (via bun:ffi and glibc); elsewhere, or if loading fails, undefined and callers fsync
 * file by file as before. Since Linux 5.8 syncfs reports writeback errors.
 * Trade-off: syncfs also waits for other processes' dirty data on the same filesystem, so
 * on a disk busy with unrelated writes a batch can wait longer than its own fsyncs would.
 * Bulk imports call it from the import worker thread (src/importer/prepare-worker.ts),
 * after each batch's blob writes and before the main thread commits that batch's rows.
 */
type SyncFs = (dir: string) => void;

let cached: SyncFs | undefined | null = null;

export function loadSyncFs(): SyncFs | undefined {
  if (cached !== null) return cached;
  cached = undefined;
  if (process.platform !== "linux" || process.env.QUIVER_NO_SYNCFS) return cached;
  try {
    // Imported lazily: only bulk imports pay for loading the FFI module.
    const { dlopen, FFIType } = require("bun:ffi") as typeof import("bun:ffi");
    const lib = dlopen("libc.so.6", { syncfs: { args: [FFIType.i32], returns: FFIType.i32 } });
    cached = (dir: string) => {
      const fd = openSync(dir, "r");
      try {
        if (lib.symbols.syncfs(fd) !== 0)
          throw Object.assign(new Error(`syncfs failed on ${dir}`), { code: "EIO" });
      } finally {
        closeSync(fd);
      }
    };
  } catch {
    cached = undefined;
  }
  return cached;
}
