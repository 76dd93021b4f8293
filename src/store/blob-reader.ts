import { closeSync, read as readCallback } from "node:fs";
import { promisify } from "node:util";

const read = promisify(readCallback);

/**
 * A stored file's bytes through a descriptor opened once. Holding the descriptor keeps the
 * bytes readable even if the file is deleted (and its blob collected) meanwhile — a read
 * that started is finished from what it opened, never failed halfway. Reads are
 * positional and chunked, so a caller that wants only the start of a large file reads
 * only that. Whoever opens one closes it: close(), or by reading a stream to its end
 * (or canceling it).
 */
const CHUNK = 256 * 1024;

/** How a blob's response body ended (OpenBlob.stream). */
export interface StreamEnd {
  outcome: "sent" | "canceled" | "failed";
  /** Bytes handed to the response. */
  sent: number;
  error?: unknown;
}

/**
 * Where a blob's bytes come from: positional reads, and a close. A descriptor here; rows
 * of chunks for the PostgreSQL store (pg/files.ts).
 */
export interface BlobSource {
  read(buf: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  close(): void;
}

function fdSource(fd: number): BlobSource {
  return {
    read: async (buf, offset, length, position) =>
      (await read(fd, buf, offset, length, position)).bytesRead,
    close: () => closeSync(fd),
  };
}

export class OpenBlob {
  private closed = false;
  private readonly source: BlobSource;

  constructor(
    fdOrSource: number | BlobSource,
    readonly size: number,
  ) {
    this.source = typeof fdOrSource === "number" ? fdSource(fdOrSource) : fdOrSource;
  }

  /**
   * Bytes from `position` on, in chunks of at most `chunkSize`, until the end or a break.
   * `reuse`: every chunk is read into one buffer, valid only until the next one (callers
   * that copy what they keep: scanning a large file allocates nothing per chunk).
   */
  async *chunks(position = 0, chunkSize = CHUNK, reuse = false): AsyncGenerator<Uint8Array> {
    let pos = position;
    let shared: Buffer | undefined;
    while (pos < this.size && !this.closed) {
      const want = Math.min(chunkSize, this.size - pos);
      const buf = reuse ? (shared ??= Buffer.allocUnsafe(want)) : Buffer.allocUnsafe(want);
      const bytesRead = await this.source.read(buf, 0, want, pos);
      if (bytesRead === 0) return; // shorter than its row says: check reports it
      pos += bytesRead;
      yield buf.subarray(0, bytesRead);
    }
  }

  /** All the bytes (callers bound the size first). Closes the descriptor. */
  async bytes(): Promise<Uint8Array> {
    try {
      const out = new Uint8Array(this.size);
      let n = 0;
      while (n < this.size) {
        const bytesRead = await this.source.read(out, n, this.size - n, n);
        if (bytesRead === 0) break; // shorter than its row says: check reports it
        n += bytesRead;
      }
      return n === this.size ? out : out.subarray(0, n);
    } finally {
      this.close();
    }
  }

  /**
   * A response body; the descriptor closes when it ends or the client goes away.
   * `onEnd` hears how it ended, once: every byte sent, the reader gone (canceled), or a
   * read that failed — so the access log can say what the client really got.
   */
  stream(onEnd?: (end: StreamEnd) => void): ReadableStream<Uint8Array> {
    const it = this.chunks();
    let sent = 0;
    const end = (how: StreamEnd) => {
      this.close();
      const report = onEnd;
      onEnd = undefined;
      report?.(how);
    };
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const next = await it.next();
          if (next.done) {
            if (sent < this.size)
              throw new Error(
                `blob ended after ${sent} of ${this.size} bytes (truncated on disk?)`,
              );
            end({ outcome: "sent", sent });
            controller.close();
          } else {
            sent += next.value.byteLength;
            controller.enqueue(next.value);
          }
        } catch (err) {
          end({ outcome: "failed", sent, error: err });
          controller.error(err);
        }
      },
      cancel: () => end({ outcome: "canceled", sent }),
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.source.close();
  }
}
