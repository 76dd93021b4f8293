import {
  closeSync,
  existsSync,
  fstatSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { type FileHandle, mkdir, open, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { QuiverError } from "../errors.ts";
import { OpenBlob } from "./blob-reader.ts";
import { countLines, LineCounter } from "./content.ts";
import { loadSyncFs } from "./syncfs.ts";

/**
 * Content-addressed blob store: `<data>/blobs/ab/cdef…` named by the SHA-256 of the bytes.
 * Bytes are streamed into a temp file while hashed, fsynced, linked into place and the
 * directory fsynced — so a blob that exists under its name is complete and durable.
 * Every write counts what the disk took: write(2) may store only part of a buffer (a
 * nearly full disk kept 999,424 of 3,000,000 bytes, and the write was acknowledged). A
 * single write also reads its bytes back and hashes them before it is linked in.
 * Only this module touches blob files; nothing above it knows they are files.
 */
/** Bytes as they arrive: a request body stream, or chunks already in memory. */
export type ByteSource =
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>
  | ReadableStream<Uint8Array>;

export interface StoredBlob {
  hash: string;
  size: number;
  /** The first bytes, for content sniffing (text vs binary). */
  head: Uint8Array;
  /** All the bytes as read back from the disk, when the writer asked to keep them. */
  bytes?: Uint8Array;
  /** Lines as read_file numbers them (content.ts LineCounter). */
  lines: number;
}

/** Whether a single write keeps the bytes it read back (to index them), given head and size. */
export type KeepBytes = (head: Uint8Array, size: number) => boolean;

/**
 * A single write's blob, in place, with the writer's spare link to it. Between the blob
 * and its row, nothing refers to the blob, so a collector (this process or another: a
 * server and `quiver index` share the data directory) may remove it as garbage. Blobs are
 * only ever removed inside a write transaction (FileStore.collect), so the writer calls
 * `ensurePresent()` inside the transaction that commits its row: under the same lock, a
 * removed blob is put back from the spare link before the row can refer to it.
 */
export interface PlacedBlob extends StoredBlob {
  ensurePresent(): void;
  /** Drops the spare link: once the row is committed, or the write abandoned. */
  release(): void;
}

const HEAD_BYTES = 8192;

/**
 * What a bulk import may do with blobs: write them and make them durable before the rows
 * that point at them are committed (FileStore.commitMany). It cannot read, remove or
 * locate blob files: FileStore hands out this view, never the store itself.
 */
export type BlobWriter = Pick<
  BlobStore,
  "dataDir" | "write" | "writeBytes" | "writeBytesSync" | "canWriteBytesSync" | "syncDirs"
>;

export class BlobStore {
  readonly root: string;
  private readonly tmpDir: string;
  /** Shard directories known to exist (they are never removed). */
  private readonly knownDirs = new Set<string>();

  /** The data directory given to the constructor (an import worker opens its own store on it). */
  constructor(readonly dataDir: string) {
    this.root = join(dataDir, "blobs");
    this.tmpDir = join(dataDir, "tmp");
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
  }

  /** Where a blob lives. `hash` comes from our own hasher or database, never from a user. */
  pathOf(hash: string): string {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`not a sha256 hex digest: ${hash}`);
    return join(this.root, hash.slice(0, 2), hash.slice(2));
  }

  /**
   * Streams `source` into the store. Rejects with 413 once more than `maxBytes` arrive
   * (the partial temp file is removed). Resolves once the blob is durable — except that
   * with `pendingDirs` (bulk imports) the directory entry's fsync is left to one later
   * syncDirs(pendingDirs) call for the whole batch, which must run before rows commit
   * (and FileStore.commitMany checks, under its lock, that the blobs are still there).
   * Without `pendingDirs` the blob is a PlacedBlob: see there for what the caller owes.
   */
  async write(
    source: ByteSource,
    maxBytes?: number,
    pendingDirs?: undefined,
    keep?: KeepBytes,
  ): Promise<PlacedBlob>;
  async write(source: ByteSource, maxBytes: number, pendingDirs: Set<string>): Promise<StoredBlob>;
  async write(
    source: ByteSource,
    maxBytes = Infinity,
    pendingDirs?: Set<string>,
    keep?: KeepBytes,
  ): Promise<StoredBlob | PlacedBlob> {
    const tmp = join(this.tmpDir, `${Date.now().toString(36)}-${crypto.randomUUID()}`);
    const hasher = new Bun.CryptoHasher("sha256");
    const counter = new LineCounter();
    const head = new Uint8Array(HEAD_BYTES);
    let headLen = 0;
    let size = 0;
    let hash: string;
    let bytes: Uint8Array | undefined;
    const fh = await open(tmp, "wx+", 0o600);
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
        await writeAll(fh, chunk);
      }
      // With pendingDirs and syncfs, the batch's single syncfs makes these bytes durable.
      if (!(pendingDirs && loadSyncFs())) await fh.sync();
      hash = hasher.digest("hex");
      const stored = (await fh.stat()).size;
      if (stored !== size) throw shortWrite(stored, size);
      if (!pendingDirs)
        bytes = await readBack(fh, size, hash, keep?.(head.subarray(0, headLen), size));
    } catch (err) {
      await fh.close().catch(() => {});
      rmSync(tmp, { force: true });
      throw err;
    }
    await fh.close();
    const stored = { hash, size, head: head.subarray(0, headLen), bytes, lines: counter.lines };
    if (!pendingDirs) return this.place(tmp, stored);
    await this.commitTempBulk(tmp, hash, pendingDirs);
    return stored;
  }

  /** Bulk imports: bytes already in memory (see write() with pendingDirs). */
  async writeBytes(bytes: Uint8Array, pendingDirs: Set<string>): Promise<StoredBlob> {
    if (loadSyncFs()) {
      // Bulk fast path: one write, no per-file fsync — syncDirs() runs one syncfs for
      // the whole batch before its rows commit.
      const tmp = join(this.tmpDir, `${Date.now().toString(36)}-${crypto.randomUUID()}`);
      try {
        await writeFile(tmp, bytes, { flag: "wx", mode: 0o600 });
      } catch (err) {
        rmSync(tmp, { force: true }); // our own partial file (a disk-full write, say)
        throw err;
      }
      checkStoredSize(statSync(tmp).size, bytes.byteLength, tmp);
      const hash = Bun.CryptoHasher.hash("sha256", bytes, "hex");
      await this.commitTempBulk(tmp, hash, pendingDirs);
      return {
        hash,
        size: bytes.byteLength,
        head: bytes.subarray(0, HEAD_BYTES),
        lines: countLines(bytes),
      };
    }
    return this.write([bytes], Infinity, pendingDirs);
  }

  /**
   * writeBytes' bulk fast path with blocking calls, for the import worker thread: nothing
   * else runs on that thread, and blocking I/O there costs a third less CPU (kernel and
   * user) than handing each call to the thread pool — CPU the main thread's commits need.
   * Only where syncfs is available (canWriteBytesSync): the bytes are made durable by the
   * batch's later syncDirs(pendingDirs), never by a per-file fsync.
   */
  writeBytesSync(bytes: Uint8Array, pendingDirs: Set<string>): StoredBlob {
    if (!this.canWriteBytesSync()) throw new Error("writeBytesSync needs syncfs");
    const hash = Bun.CryptoHasher.hash("sha256", bytes, "hex");
    const dest = this.pathOf(hash);
    const dir = dest.slice(0, dest.lastIndexOf("/"));
    if (!this.knownDirs.has(dir)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      this.knownDirs.add(dir);
    }
    if (!this.writeNewSync(dest, bytes)) {
      const tmp = join(this.tmpDir, `${Date.now().toString(36)}-${crypto.randomUUID()}`);
      try {
        writeFileSync(tmp, bytes, { flag: "wx", mode: 0o600 });
      } catch (err) {
        rmSync(tmp, { force: true });
        throw err;
      }
      checkStoredSize(statSync(tmp).size, bytes.byteLength, tmp);
      renameSync(tmp, dest); // over identical bytes, or over a partial one a crash left
    }
    pendingDirs.add(dir);
    return {
      hash,
      size: bytes.byteLength,
      head: bytes.subarray(0, HEAD_BYTES),
      lines: countLines(bytes),
    };
  }

  /**
   * Bulk imports write a new blob straight under its name (one file creation instead of a
   * temp file and a rename: ~15% less kernel time per file on the benchmark corpus). That is
   * safe because nothing reads a blob until a row refers to it, and rows commit only after
   * the batch's syncfs has made these bytes durable. A crash before then can leave a partial
   * blob under its name with no row; so a name that already exists is never trusted by a
   * writer: it is replaced by a rename of complete bytes (here in the bulk paths' fallback,
   * and in place() for single writes). Exclusive creation means an existing blob — complete
   * and perhaps referenced — is never written into. Returns false when the name exists.
   */
  private writeNewSync(dest: string, bytes: Uint8Array): boolean {
    let fd: number;
    try {
      fd = openSync(dest, "wx", 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw err;
    }
    try {
      writeFileSync(fd, bytes);
      const stored = fstatSync(fd).size;
      if (stored !== bytes.byteLength) throw shortWrite(stored, bytes.byteLength);
    } catch (err) {
      rmSync(dest, { force: true }); // our own partial file (a disk-full write, say)
      throw err;
    } finally {
      closeSync(fd);
    }
    return true;
  }

  /** True when writeBytesSync may be used (one syncfs per batch makes blobs durable). */
  canWriteBytesSync(): boolean {
    return loadSyncFs() !== undefined;
  }

  /**
   * Makes the blobs written with `pendingDirs` durable: one syncfs for the filesystem
   * where available (covers the file data and the renames), else one fsync per directory
   * (the files themselves were fsynced as they were written).
   */
  async syncDirs(dirs: Set<string>): Promise<void> {
    const syncfs = loadSyncFs();
    if (syncfs) {
      if (dirs.size) syncfs(this.root);
      dirs.clear();
      return;
    }
    await Promise.all(
      [...dirs].map(async (dir) => {
        const fh = await open(dir, "r");
        try {
          await fh.sync();
        } finally {
          await fh.close();
        }
      }),
    );
    dirs.clear();
  }

  /**
   * place() for bulk imports: a rename without blocking the JS thread (a sync rename waits
   * behind other files' fsyncs), no spare link, and the directory fsync left to syncDirs.
   */
  private async commitTempBulk(tmp: string, hash: string, pendingDirs: Set<string>): Promise<void> {
    const dest = this.pathOf(hash);
    const dir = dest.slice(0, dest.lastIndexOf("/"));
    if (!this.knownDirs.has(dir)) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      this.knownDirs.add(dir);
    }
    // A rename over an existing blob replaces identical bytes: harmless.
    await rename(tmp, dest);
    pendingDirs.add(dir);
  }

  /**
   * Links a durable temp file in under its hash and makes the link durable. The temp file
   * stays as the spare link until release(). If the same bytes are already stored, that
   * blob is kept (identical bytes) and the spare covers it all the same.
   */
  private place(tmp: string, stored: StoredBlob): PlacedBlob {
    const { hash } = stored;
    const dest = this.pathOf(hash);
    const dir = dest.slice(0, dest.lastIndexOf("/"));
    const link = () => {
      try {
        linkSync(tmp, dest);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        // Already there: identical bytes, or a partial blob a crashed bulk import left (see
        // writeNewSync). Swap in ours atomically through a second link; tmp stays the spare.
        const swap = `${tmp}.swap`;
        linkSync(tmp, swap);
        renameSync(swap, dest);
      }
      fsyncDir(dir);
    };
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      link();
    } catch (err) {
      rmSync(tmp, { force: true });
      throw err;
    }
    return {
      ...stored,
      ensurePresent: () => {
        if (!existsSync(dest)) link();
      },
      release: () => rmSync(tmp, { force: true }),
    };
  }

  file(hash: string) {
    return Bun.file(this.pathOf(hash));
  }

  /** A blob's bytes, synchronously (start-up work such as the search backfill). */
  readSync(hash: string): Uint8Array {
    return readFileSync(this.pathOf(hash));
  }

  /**
   * Opens a blob for reading, or undefined when it is not there (collected after its last
   * file went, or lost). The descriptor keeps the bytes readable whatever happens next.
   */
  openRead(hash: string): OpenBlob | undefined {
    let fd: number;
    try {
      fd = openSync(this.pathOf(hash), "r");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    try {
      return new OpenBlob(fd, fstatSync(fd).size);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  exists(hash: string): boolean {
    return existsSync(this.pathOf(hash));
  }

  remove(hash: string): void {
    rmSync(this.pathOf(hash), { force: true });
  }
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes all of `chunk`: write(2) may take only part of it (a nearly full disk). */
async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let done = 0;
  while (done < chunk.byteLength) {
    const { bytesWritten } = await fh.write(chunk.subarray(done));
    if (bytesWritten <= 0) throw shortWrite(done, chunk.byteLength);
    done += bytesWritten;
  }
}

/**
 * Reads a written temp file back through its descriptor and hashes it: what the file
 * holds, not what we meant to write, is what gets acknowledged. Returns the bytes when
 * `keep` (the writer indexes them: no second read, by hash, of a blob another writer may
 * have collected meanwhile).
 */
async function readBack(
  fh: FileHandle,
  size: number,
  hash: string,
  keep: boolean | undefined,
): Promise<Uint8Array | undefined> {
  const hasher = new Bun.CryptoHasher("sha256");
  const kept = keep ? new Uint8Array(size) : undefined;
  const buf = kept ?? new Uint8Array(Math.min(size, 1024 * 1024) || 1);
  let pos = 0;
  while (pos < size) {
    const target = kept ? kept.subarray(pos) : buf.subarray(0, Math.min(buf.length, size - pos));
    const { bytesRead } = await fh.read(target, 0, target.byteLength, pos);
    if (bytesRead === 0) throw shortWrite(pos, size);
    hasher.update(target.subarray(0, bytesRead));
    pos += bytesRead;
  }
  if (hasher.digest("hex") !== hash)
    throw new QuiverError(
      503,
      "storage_unavailable",
      "the bytes read back from the data directory differ from those written; check the disk",
    );
  return kept;
}

function checkStoredSize(stored: number, expected: number, tmp: string): void {
  if (stored === expected) return;
  rmSync(tmp, { force: true });
  throw shortWrite(stored, expected);
}

/** The disk took fewer bytes than it was given: full, as far as this write goes. */
function shortWrite(stored: number, expected: number): QuiverError {
  return new QuiverError(
    507,
    "insufficient_storage",
    `the data directory is full (it stored ${stored} of ${expected} bytes); free space and retry`,
  );
}
