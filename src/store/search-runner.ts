import { QuiverError } from "../errors.ts";
import { logError } from "../log.ts";
import type { SearchOptions, SearchResult } from "./search.ts";

/**
 * Runs searches on a thread of their own (search-worker.ts), each with a deadline that is
 * enforced: bun:sqlite has no progress handler or interrupt, so a query cannot be stopped
 * from inside, but it can be left behind. When a search passes its deadline the caller
 * gets a 400 `query_timeout` at once, the thread is terminated (it ends when SQLite next
 * returns to JS) and a new one takes the searches still waiting. The request thread never
 * runs a query, so /healthz and every other request keep answering, and SIGTERM is
 * handled while a query runs.
 */

/** The longest any one search may take, whatever the tool timeout. */
export const MAX_SEARCH_MS = 5_000;

// From source, import.meta.url is this file's; in the compiled binary (search-worker.ts is
// an entrypoint of `bun build --compile`) it is the bundle's, at src/.
const WORKER_URL = import.meta.url.startsWith("file:///$bunfs/")
  ? new URL("./store/search-worker.ts", import.meta.url)
  : new URL("./search-worker.ts", import.meta.url);
const START_TIMEOUT_MS = 10_000;

interface Waiting {
  query: string;
  opts: SearchOptions;
  resolve: (r: SearchResult) => void;
  reject: (e: Error) => void;
  timer: Timer;
}

export class SearchRunner {
  private worker?: Worker;
  private ready?: Promise<void>;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private closed = false;
  private warming: (() => void)[] = [];

  constructor(
    private readonly dbFile: string,
    private readonly readOnly: boolean,
  ) {}

  /** `timeoutMs`: this search's deadline, from now. */
  search(query: string, opts: SearchOptions, timeoutMs: number): Promise<SearchResult> {
    if (this.closed) return Promise.reject(new Error("search runner closed"));
    const ms = Math.max(1, Math.min(MAX_SEARCH_MS, timeoutMs));
    return new Promise((resolve, reject) => {
      const id = ++this.nextId;
      const timer = setTimeout(() => this.expire(id, ms), ms);
      this.waiting.set(id, { query, opts, resolve, reject, timer });
      this.send(id);
    });
  }

  /**
   * Resolves once the search thread's ranked index is built (warmUp in search.ts); also,
   * so that nobody waits forever on a hint, when the thread is replaced or closed.
   */
  warm(): Promise<void> {
    if (this.closed) return Promise.resolve();
    const worker = this.start();
    return this.ready!.then(
      () =>
        new Promise<void>((resolve) => {
          this.warming.push(resolve);
          worker.postMessage({ warm: true });
        }),
      () => undefined,
    );
  }

  private settleWarming(): void {
    for (const resolve of this.warming.splice(0)) resolve();
  }

  close(): void {
    this.closed = true;
    this.settleWarming();
    this.worker?.terminate();
    this.worker = undefined;
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.reject(new QuiverError(503, "shutting_down", "the server is stopping; retry"));
    }
    this.waiting.clear();
  }

  private send(id: number): void {
    const w = this.waiting.get(id)!;
    const worker = this.start();
    this.ready!.then(
      () => worker === this.worker && worker.postMessage({ id, query: w.query, opts: w.opts }),
      (err) => this.settle(id, (x) => x.reject(err)),
    );
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_URL);
    worker.unref();
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error("search thread did not start")),
        START_TIMEOUT_MS,
      );
      worker.onmessage = (ev) => {
        const m = ev.data;
        if (m?.ready) {
          clearTimeout(timer);
          resolve();
        } else if (m?.warmed) this.settleWarming();
        else if ("ok" in m) this.settle(m.id, (x) => x.resolve(JSON.parse(m.ok)));
        else if (m.known)
          this.settle(m.id, (x) =>
            x.reject(new QuiverError(m.known.status, m.known.code, m.known.message)),
          );
        else this.settle(m.id, (x) => x.reject(new Error(`search thread: ${m.failed}`)));
      };
      worker.onerror = (ev) => {
        clearTimeout(timer);
        logError("search thread failed", { error: ev.error ?? ev.message });
        reject(ev.error ?? new Error(ev.message));
        if (this.worker === worker) this.restart();
      };
    });
    worker.postMessage({ init: { file: this.dbFile, readOnly: this.readOnly } });
    return worker;
  }

  private settle(id: number, f: (w: Waiting) => void): void {
    const w = this.waiting.get(id);
    if (!w) return; // already expired
    this.waiting.delete(id);
    clearTimeout(w.timer);
    f(w);
  }

  private expire(id: number, ms: number): void {
    this.settle(id, (w) =>
      w.reject(
        new QuiverError(
          400,
          "query_timeout",
          `the search took longer than ${ms} ms and was stopped; use rarer words, fewer prefix* terms or a path: filter`,
        ),
      ),
    );
    // The thread is still inside that query: leave it behind, and give the searches
    // queued behind it to a fresh one.
    this.restart();
  }

  private restart(): void {
    this.settleWarming();
    this.worker?.terminate();
    this.worker = undefined;
    if (this.closed) return;
    for (const id of this.waiting.keys()) this.send(id);
  }
}
