import { closeSync, constants, fstatSync, openSync, read as readCallback, readSync } from "node:fs";
import { promisify } from "node:util";

const read = promisify(readCallback);

/**
 * Opening a walked file for an import, safely: the tree may change between the walk and
 * the read (by accident, or to make the import read something outside its root).
 *  - O_NOFOLLOW: a file replaced by a symlink is not followed (ELOOP).
 *  - O_NONBLOCK: a FIFO swapped in does not hang the open (nor the job worker).
 *  - fstat on the descriptor: only a regular file is read, and only the very file the walk
 *    saw (same device and inode) — a path whose directories were swapped for links leads
 *    elsewhere, to another inode.
 *  - The size is the descriptor's, bounded by the per-file limit, and a file still growing
 *    once that many bytes are read (a /proc file, whose size says 0) is not imported:
 *    `quiver index /proc/self/` read gigabytes trusting the walk's size.
 */
export interface Walked {
  abs: string;
  dev: number;
  ino: number;
}

export type Opened = { fd: number; size: number } | { skipped: string };

export function openWalked(file: Walked, maxFileBytes: number): Opened {
  let fd: number;
  try {
    fd = openSync(file.abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ELOOP") return { skipped: "replaced by a symbolic link (not followed)" };
    return { skipped: `unreadable (${code ?? (err as Error).message})` };
  }
  const refuse = (skipped: string): Opened => {
    closeSync(fd);
    return { skipped };
  };
  let st: ReturnType<typeof fstatSync>;
  try {
    st = fstatSync(fd);
  } catch (err) {
    return refuse(`unreadable (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  if (!st.isFile()) return refuse("not a regular file (replaced since it was listed)");
  if (st.dev !== file.dev || st.ino !== file.ino)
    return refuse("replaced by another file since it was listed (not read)");
  if (st.size > maxFileBytes)
    return refuse(`larger than the per-file import limit (${st.size} > ${maxFileBytes} bytes)`);
  return { fd, size: st.size };
}

/** Thrown when the bytes read do not match the size the descriptor gave. */
export class ChangedWhileRead extends Error {}

const CHUNK = 1024 * 1024;

/** All `size` bytes, blocking (the import worker thread, where nothing else waits). */
export function readAllSync(fd: number, size: number): Uint8Array {
  const out = new Uint8Array(size);
  let pos = 0;
  while (pos < size) {
    const n = readSync(fd, out, pos, Math.min(CHUNK, size - pos), pos);
    if (n === 0) throw new ChangedWhileRead("shrank while being read");
    pos += n;
  }
  if (readSync(fd, new Uint8Array(1), 0, 1, size) !== 0)
    throw new ChangedWhileRead("grew while being read");
  return out;
}

/** `size` bytes in chunks; between chunks, an aborted `signal` stops the read. */
export async function* readChunks(
  fd: number,
  size: number,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  let pos = 0;
  while (pos < size) {
    signal?.throwIfAborted();
    const buf = new Uint8Array(Math.min(CHUNK, size - pos));
    const { bytesRead } = await read(fd, buf, 0, buf.byteLength, pos);
    if (bytesRead === 0) throw new ChangedWhileRead("shrank while being read");
    pos += bytesRead;
    yield bytesRead === buf.byteLength ? buf : buf.subarray(0, bytesRead);
  }
  const { bytesRead } = await read(fd, new Uint8Array(1), 0, 1, size);
  if (bytesRead !== 0) throw new ChangedWhileRead("grew while being read");
}

/** All `size` bytes, without blocking the thread; `signal` interrupts. */
export async function readAll(fd: number, size: number, signal?: AbortSignal): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let pos = 0;
  for await (const chunk of readChunks(fd, size, signal)) {
    out.set(chunk, pos);
    pos += chunk.byteLength;
  }
  return out;
}
