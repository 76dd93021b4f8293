import type { SQL } from "bun";
import { QuiverError } from "../../errors.ts";
import type { ByteSource, KeepBytes, StoredBlob } from "../blobs.ts";
import { countLines, LineCounter } from "../content.ts";

/** Bytes per blob_chunks row (and per read): large files are never one value in memory. */
export const CHUNK_BYTES = 256 * 1024;
const HEAD_BYTES = 8192;

/** A single write's bytes, stored under a staging key until its row commits (promote). */
export interface StagedBlob extends StoredBlob {
  key: string;
}

/**
 * Content-addressed file bytes in PostgreSQL: a `blobs` row per SHA-256 and its chunks in
 * `blob_chunks`. Blobs are shared (a second file with the same bytes stores nothing) and
 * collected when no file row refers to them — safely under concurrent writers on several
 * replicas: every writer takes a shared advisory lock on its hash in the transaction that
 * commits its row, and checks (or makes) the blob there; a collector takes the exclusive
 * lock, then looks for referring rows in a new statement, which sees every row committed
 * by then. So a blob is deleted only when no row references it, in the same transaction.
 */
export class PgBlobStore {
  constructor(private readonly sql: SQL) {}

  /**
   * Streams `source` into chunks under a fresh staging key, counting, hashing and
   * sniffing as it goes (413 past `maxBytes`, and the partial chunks are removed).
   */
  async stage(source: ByteSource, maxBytes: number, keep?: KeepBytes): Promise<StagedBlob> {
    const key = `tmp:${Date.now()}:${crypto.randomUUID()}`;
    const hasher = new Bun.CryptoHasher("sha256");
    const counter = new LineCounter();
    const head = new Uint8Array(HEAD_BYTES);
    let headLen = 0;
    let size = 0;
    let seq = 0;
    const kept: Uint8Array[] = [];
    let keeping: boolean | undefined;
    let pending: Uint8Array[] = [];
    let pendingLen = 0;
    const flush = async () => {
      if (!pendingLen) return;
      const data = Buffer.concat(pending, pendingLen);
      pending = [];
      pendingLen = 0;
      await this.sql`INSERT INTO blob_chunks (blob, seq, data) VALUES (${key}, ${seq++}, ${data})`;
    };
    try {
      for await (const chunk of source as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > maxBytes)
          throw new QuiverError(
            413,
            "payload_too_large",
            `body is larger than the limit of ${maxBytes} bytes`,
          );
        hasher.update(chunk);
        counter.update(chunk);
        if (headLen < HEAD_BYTES) {
          const take = Math.min(HEAD_BYTES - headLen, chunk.byteLength);
          head.set(chunk.subarray(0, take), headLen);
          headLen += take;
        }
        // Whether to keep the bytes (to index them) is decided on the head, like SQLite's.
        if (keeping !== false && keep) kept.push(chunk.slice());
        let rest = chunk;
        while (rest.byteLength) {
          const take = Math.min(CHUNK_BYTES - pendingLen, rest.byteLength);
          pending.push(rest.subarray(0, take).slice());
          pendingLen += take;
          rest = rest.subarray(take);
          if (pendingLen === CHUNK_BYTES) await flush();
        }
      }
      await flush();
    } catch (err) {
      await this.discard(key).catch(() => {});
      throw err;
    }
    const headBytes = head.subarray(0, headLen);
    keeping = keep?.(headBytes, size) ?? false;
    return {
      key,
      hash: hasher.digest("hex"),
      size,
      head: headBytes,
      bytes: keeping ? Buffer.concat(kept, size) : undefined,
      lines: counter.lines,
    };
  }

  /** Makes a staged blob a blob now, in its own transaction (bulk imports). */
  async place(staged: StagedBlob): Promise<void> {
    await this.sql.begin((tx) => PgBlobStore.promote(tx, staged));
  }

  /** Removes a staged blob that will not be committed. */
  async discard(key: string): Promise<void> {
    await this.sql`DELETE FROM blob_chunks WHERE blob = ${key}`;
  }

  /**
   * Inside the transaction that commits a row for `staged`: makes its blob present — its
   * staged chunks become the blob, or are dropped when the blob already exists.
   */
  static async promote(tx: SQL, staged: StagedBlob): Promise<void> {
    await tx`SELECT pg_advisory_xact_lock_shared(hashtextextended(${staged.hash}, 0))`;
    const made = await tx`INSERT INTO blobs (hash, size, created_at)
      VALUES (${staged.hash}, ${staged.size}, ${Date.now()}) ON CONFLICT DO NOTHING RETURNING hash`;
    if (made.length)
      await tx`UPDATE blob_chunks SET blob = ${staged.hash} WHERE blob = ${staged.key}`;
    else await tx`DELETE FROM blob_chunks WHERE blob = ${staged.key}`;
  }

  /**
   * Inside a transaction about to commit rows for these hashes: the ones whose blob is
   * missing (collected since it was written). The shared locks keep the rest in place.
   */
  static async missing(tx: SQL, hashes: string[]): Promise<Set<string>> {
    const unique = [...new Set(hashes)].sort();
    for (const h of unique)
      await tx`SELECT pg_advisory_xact_lock_shared(hashtextextended(${h}, 0))`;
    const present = await tx`SELECT hash FROM blobs WHERE hash = ANY(${tx.array(unique, "TEXT")})`;
    const have = new Set(present.map((r: { hash: string }) => r.hash));
    return new Set(unique.filter((h) => !have.has(h)));
  }

  /** Bulk imports: bytes in memory, stored as a blob at once (commitMany checks it is still there). */
  async writeBytes(bytes: Uint8Array): Promise<StoredBlob> {
    const hash = Bun.CryptoHasher.hash("sha256", bytes, "hex");
    await this.sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock_shared(hashtextextended(${hash}, 0))`;
      const made = await tx`INSERT INTO blobs (hash, size, created_at)
        VALUES (${hash}, ${bytes.byteLength}, ${Date.now()}) ON CONFLICT DO NOTHING RETURNING hash`;
      if (!made.length) return;
      for (let seq = 0, pos = 0; pos < bytes.byteLength || seq === 0; seq++, pos += CHUNK_BYTES)
        await tx`INSERT INTO blob_chunks (blob, seq, data)
          VALUES (${hash}, ${seq}, ${bytes.subarray(pos, pos + CHUNK_BYTES)})`;
    });
    return {
      hash,
      size: bytes.byteLength,
      head: bytes.subarray(0, HEAD_BYTES),
      lines: countLines(bytes),
    };
  }

  /** Deletes each blob among `hashes` that no file row refers to (see the class comment). */
  async collect(hashes: string[]): Promise<void> {
    for (const hash of new Set(hashes))
      await this.sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtextextended(${hash}, 0))`;
        const gone = await tx`DELETE FROM blobs WHERE hash = ${hash}
          AND NOT EXISTS (SELECT 1 FROM files WHERE hash = ${hash}) RETURNING hash`;
        if (gone.length) await tx`DELETE FROM blob_chunks WHERE blob = ${hash}`;
      });
  }

  /** Reads `length` bytes at `position` of a blob into `buf` (fewer at its end). */
  async readAt(
    hash: string,
    buf: Uint8Array,
    offset: number,
    length: number,
    position: number,
  ): Promise<number> {
    const first = Math.floor(position / CHUNK_BYTES);
    const last = Math.floor((position + length - 1) / CHUNK_BYTES);
    const rows = await this.sql`SELECT seq, data FROM blob_chunks
      WHERE blob = ${hash} AND seq BETWEEN ${first} AND ${last} ORDER BY seq`;
    let n = 0;
    let expected = first;
    for (const row of rows as { seq: number; data: Uint8Array }[]) {
      if (row.seq !== expected++) break; // a missing chunk: the read comes up short
      const start = row.seq === first ? position - first * CHUNK_BYTES : 0;
      const take = Math.min(row.data.byteLength - start, length - n);
      if (take <= 0) break;
      buf.set(row.data.subarray(start, start + take), offset + n);
      n += take;
    }
    return n;
  }

  async exists(hash: string): Promise<boolean> {
    return (await this.sql`SELECT 1 FROM blobs WHERE hash = ${hash}`).length > 0;
  }

  /** Staged chunks left by writes that died (a replica killed mid-upload), older than `ageMs`. */
  async sweepStaging(ageMs: number, now = Date.now()): Promise<number> {
    const r = await this.sql`DELETE FROM blob_chunks WHERE blob LIKE 'tmp:%'
      AND split_part(blob, ':', 2)::bigint < ${now - ageMs}`;
    return r.count;
  }
}
