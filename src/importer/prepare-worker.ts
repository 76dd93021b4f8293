/**
 * The import worker thread (started by batch-preparer.ts): runs prepareBatch — reading,
 * hashing, sniffing, decoding, chunking, blob writes and the batch's syncfs — on the
 * second core, while the main thread spends its time in SQLite committing the batch
 * before. One batch at a time, in the order asked: the main thread commits in that order,
 * and two batches at once would only compete for the same core.
 *
 * It must be an entrypoint of `bun build --compile` (package.json `build`, Dockerfile),
 * or the compiled binary cannot start it (it then falls back to preparing in-thread).
 */
import { BlobStore } from "../store/blobs.ts";
import { type PrepareItem, type PrepareOptions, prepareBatch } from "./prepare-file.ts";
import { encodeBatch } from "./prepared-wire.ts";

declare const self: Worker;

export interface PrepareRequest extends PrepareOptions {
  id: number;
  dataDir: string;
  items: PrepareItem[];
}

let blobs: BlobStore | undefined;
let queue: Promise<void> = Promise.resolve();

self.onmessage = (ev: MessageEvent<PrepareRequest>) => {
  const req = ev.data;
  queue = queue.then(() => handle(req));
};

async function handle(req: PrepareRequest): Promise<void> {
  try {
    if (blobs?.dataDir !== req.dataDir) blobs = new BlobStore(req.dataDir);
    const batch = encodeBatch(await prepareBatch(blobs, req.items, req));
    self.postMessage({ id: req.id, batch }, [batch.nums.buffer as ArrayBuffer]);
  } catch (err) {
    // Only fatal errors get here (disk full, read-only store): the import stops.
    const e = err as NodeJS.ErrnoException;
    self.postMessage({ id: req.id, error: { message: String(e?.message ?? err), code: e?.code } });
  }
}

self.postMessage({ ready: true });
