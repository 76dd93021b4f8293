import type { SQL } from "bun";
import type { CheckOptions, CheckReport } from "../check.ts";
import type { PgBlobStore } from "./blobs.ts";
import { num } from "./rows.ts";

/** Chunks (256 KiB each) read per query while re-hashing: bounds the memory of a check. */
const CHUNKS_PER_READ = 8;
/** Staged chunks older than this belong to writes that died. */
const STALE_STAGING_MS = 3600_000;
/** Paths listed per kind of problem at most. */
const MAX_LISTED = 1000;

/** What check needs of the file store: deletes that keep or collect the blob. */
export interface CheckedFiles {
  delete(path: string, opts?: { keepBlob?: boolean }): Promise<unknown>;
  collect(hashes: string[]): Promise<void>;
}

/**
 * `quiver check` on PostgreSQL, as on SQLite (../check.ts): every file row has its blob,
 * and — unless `verifyHashes` is false (--fast) — the blob's chunks, read back in order,
 * hash to its name and add up to its size (a chunk changed, lost or truncated in the
 * database shows here); no blob is left without a row; no staged chunks of dead writes
 * linger. `repair` drops rows whose bytes are gone or corrupt (they cannot be recovered)
 * and removes orphans and stale staging. The engine's own integrity is PostgreSQL's
 * business (`database` stays empty).
 */
export async function checkPgStore(
  sql: SQL,
  blobs: PgBlobStore,
  files: CheckedFiles,
  opts: CheckOptions,
): Promise<CheckReport> {
  const [{ n }] = await sql`SELECT count(*) AS n FROM files`;
  const missing = (
    await sql`SELECT f.path FROM files f LEFT JOIN blobs b ON b.hash = f.hash
      WHERE b.hash IS NULL ORDER BY f.path LIMIT ${MAX_LISTED}`
  ).map((r: { path: string }) => r.path);
  const corrupt: string[] = [];
  if (opts.verifyHashes !== false) {
    const stored = await sql`SELECT b.hash, b.size FROM blobs b
      WHERE EXISTS (SELECT 1 FROM files f WHERE f.hash = b.hash) ORDER BY b.hash`;
    let done = 0;
    for (const b of stored as { hash: string; size: unknown }[]) {
      if (!(await hashesTo(sql, b.hash, num(b.size)))) {
        const paths = await sql`SELECT path FROM files WHERE hash = ${b.hash} ORDER BY path`;
        for (const r of paths as { path: string }[])
          if (corrupt.length < MAX_LISTED) corrupt.push(r.path);
      }
      opts.onProgress?.(++done, stored.length);
    }
  }
  const orphans = (
    await sql`SELECT b.hash FROM blobs b
      WHERE NOT EXISTS (SELECT 1 FROM files f WHERE f.hash = b.hash)`
  ).map((r: { hash: string }) => r.hash);
  const [staged] = await sql`SELECT count(DISTINCT blob) AS n FROM blob_chunks
    WHERE blob LIKE 'tmp:%' AND split_part(blob, ':', 2)::bigint < ${Date.now() - STALE_STAGING_MS}`;
  if (opts.repair) {
    for (const path of missing) await files.delete(path, { keepBlob: true }).catch(() => {});
    // A corrupt blob goes with its rows (delete collects it once nothing points at it).
    for (const path of corrupt) await files.delete(path).catch(() => {});
    await files.collect(orphans);
    await blobs.sweepStaging(STALE_STAGING_MS);
  }
  return {
    database: [],
    files: num(n),
    missing_blobs: missing,
    corrupt_blobs: corrupt,
    orphan_blobs: orphans.length,
    stale_temp_files: num(staged.n),
    repaired: opts.repair,
  };
}

/** Whether a blob's chunks, in order and without a gap, hash to `hash` and add up to `size`. */
async function hashesTo(sql: SQL, hash: string, size: number): Promise<boolean> {
  const hasher = new Bun.CryptoHasher("sha256");
  let seq = 0;
  let bytes = 0;
  for (;;) {
    const rows = (await sql`SELECT seq, data FROM blob_chunks
      WHERE blob = ${hash} AND seq >= ${seq} ORDER BY seq LIMIT ${CHUNKS_PER_READ}`) as {
      seq: number;
      data: Uint8Array;
    }[];
    for (const r of rows) {
      if (r.seq !== seq) return false; // a chunk is missing
      hasher.update(r.data);
      bytes += r.data.byteLength;
      seq++;
    }
    if (rows.length < CHUNKS_PER_READ) break;
  }
  return bytes === size && hasher.digest("hex") === hash;
}
