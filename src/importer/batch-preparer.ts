import { logLine } from "../log.ts";
import type { BlobWriter } from "../store/blobs.ts";
import {
  type Prepared,
  type PrepareItem,
  type PrepareOptions,
  prepareBatch,
} from "./prepare-file.ts";
import type { PrepareRequest } from "./prepare-worker.ts";
import { decodeBatch, type WireBatch } from "./prepared-wire.ts";

/**
 * Where an import's per-file work runs: on a worker thread when one can be started, so
 * the main thread only runs SQLite (the import's bottleneck), else in the main thread as
 * before. Both give identical results; callers only see `ahead`, how many batches to keep
 * in flight beyond the one being committed.
 */
export interface BatchPreparer {
  readonly where: "worker" | "thread";
  readonly ahead: number;
  /** Resolves once every blob of the batch is durable; rejects on fatal I/O errors. */
  prepare(items: PrepareItem[]): Promise<Prepared[]>;
  close(): void;
}

// From source, import.meta.url is this file's. In the compiled binary (prepare-worker.ts
// is an entrypoint of `bun build --compile`) every module's import.meta.url is the
// bundle's, file:///$bunfs/root/<name>, and the worker sits at its path relative to the
// entrypoints' common directory, src/.
const WORKER_URL = import.meta.url.startsWith("file:///$bunfs/")
  ? new URL("./importer/prepare-worker.ts", import.meta.url)
  : new URL("./prepare-worker.ts", import.meta.url);

/** How long a worker may take to load before we give up on it and prepare in-thread. */
const START_TIMEOUT_MS = 10_000;

export async function startPreparer(
  blobs: BlobWriter,
  opts: PrepareOptions & { worker?: boolean; workerUrl?: URL | string },
): Promise<BatchPreparer> {
  // A worker thread opens its own blob store on the data directory; a store whose blobs
  // are not files there (PostgreSQL) has none to give it.
  if (opts.worker !== false && blobs.dataDir) {
    try {
      return await startWorker(blobs, opts, opts.workerUrl ?? WORKER_URL);
    } catch (err) {
      logLine({
        level: "warn",
        msg: "import worker thread did not start; preparing files in the main thread",
        error: String((err as Error)?.message ?? err),
      });
    }
  }
  return inThread(blobs, opts);
}

function inThread(blobs: BlobWriter, opts: PrepareOptions): BatchPreparer {
  // One batch ahead: the next batch's I/O overlaps this one's commit, as it always did.
  return {
    where: "thread",
    ahead: 1,
    prepare: (items) => prepareBatch(blobs, items, opts),
    close() {},
  };
}

async function startWorker(
  blobs: BlobWriter,
  opts: PrepareOptions,
  url: URL | string,
): Promise<BatchPreparer> {
  const worker = new Worker(url);
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out")), START_TIMEOUT_MS);
      worker.onmessage = (ev) => {
        if (ev.data?.ready) {
          clearTimeout(timer);
          resolve();
        }
      };
      worker.onerror = (ev) => {
        clearTimeout(timer);
        reject(ev.error ?? new Error(ev.message));
      };
      worker.addEventListener("close", () => {
        clearTimeout(timer);
        reject(new Error("exited"));
      });
    });
  } catch (err) {
    worker.terminate();
    throw err;
  }

  const waiting = new Map<
    number,
    { items: PrepareItem[]; resolve: (p: Prepared[]) => void; reject: (e: Error) => void }
  >();
  let nextId = 0;
  let failed: Error | undefined;
  const failAll = (err: Error) => {
    failed ??= err;
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.onmessage = (
    ev: MessageEvent<{ id: number; batch?: WireBatch; error?: { message: string; code?: string } }>,
  ) => {
    const m = ev.data;
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.error) w.reject(Object.assign(new Error(m.error.message), { code: m.error.code }));
    else w.resolve(decodeBatch(m.batch!, w.items));
  };
  worker.onerror = (ev) => failAll(new Error(`import worker failed: ${ev.message}`));
  worker.addEventListener("close", () => failAll(new Error("import worker exited")));

  return {
    where: "worker",
    // Four batches ahead (~20 MB of prepared text at most): the worker is faster than the
    // commits on some stretches of a tree and slower on others, and banks the difference.
    ahead: 4,
    prepare(items) {
      if (failed) return Promise.reject(failed);
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { items, resolve, reject });
        const req: PrepareRequest = {
          id,
          dataDir: blobs.dataDir,
          items,
          concurrency: opts.concurrency,
          index: opts.index,
          maxFileBytes: opts.maxFileBytes,
          blocking: true,
        };
        worker.postMessage(req);
      });
    },
    close() {
      failed ??= new Error("import worker closed");
      worker.terminate();
    },
  };
}
