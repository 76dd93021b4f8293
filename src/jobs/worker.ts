import { hostname } from "node:os";
import { logError, logInfo } from "../log.ts";
import type { OpenServices } from "../services.ts";
import { type Awaitable, then } from "../store/awaitable.ts";
import { type JobKind, JobStopped } from "./kinds.ts";

/**
 * The job worker: claims due jobs from the queue and runs them, one at a time (the cap on
 * concurrent jobs), off the HTTP process. It runs in its own process with its own
 * database connection (see supervisor.ts), so a long import never stalls requests.
 */
export interface WorkerOptions {
  kinds: readonly JobKind[];
  owner?: string;
  leaseMs?: number;
  pollMs?: number;
  /** Finished jobs older than this are deleted (default 7 days). */
  retentionMs?: number;
  /** Delay before retry n (1-based). */
  backoffMs?: (attempt: number) => number;
  signal?: AbortSignal;
}

export const DEFAULT_RETENTION_MS = 7 * 24 * 3600 * 1000;
const HEARTBEAT_EVERY_MS = 200;

export const defaultBackoff = (attempt: number) => Math.min(60_000, 1000 * 2 ** (attempt - 1));

/** Runs one due job if there is one. Resolves to its id, or undefined when none was due. */
export async function runOneJob(
  services: OpenServices,
  opts: WorkerOptions,
): Promise<string | undefined> {
  const { jobs } = services;
  // Unique across replicas (pids repeat from one container to the next).
  const owner = opts.owner ?? `w${process.pid}@${hostname()}`;
  const leaseMs = opts.leaseMs ?? 15_000;
  const job = await jobs.claim(owner, leaseMs);
  if (!job) return undefined;
  const kind = opts.kinds.find((k) => k.kind === job.kind);
  const shutdown = opts.signal ?? new AbortController().signal;
  // The job's own signal: aborted on shutdown, and on a cancel seen by the watch below, so
  // work waiting between checkpoints (a long file read in an import) stops too.
  const stop = new AbortController();
  const onShutdown = () => stop.abort(new JobStopped("shutdown"));
  if (shutdown.aborted) onShutdown();
  else shutdown.addEventListener("abort", onShutdown, { once: true });
  const signal = stop.signal;
  let lastBeat = 0;
  let done = 0;
  let total: number | null = null;
  let lastMessage: string | undefined;
  const checkpoint = (d: number, t?: number | null, message?: string): Awaitable<void> => {
    done = d;
    if (t !== undefined) total = t;
    if (message !== undefined) lastMessage = message;
    if (signal.aborted) throw stoppedBy(signal);
    const now = Date.now();
    if (now - lastBeat < HEARTBEAT_EVERY_MS) return;
    lastBeat = now;
    return then(jobs.heartbeat(job.id, owner, leaseMs, done, total, lastMessage), (state) => {
      if (state === "cancel") throw new JobStopped("canceled");
      if (state === "lost") throw new JobStopped("lost");
    });
  };
  // Between checkpoints, the lease is renewed and a cancel noticed on a timer.
  const watch = setInterval(() => {
    if (signal.aborted) return;
    const beat = then(jobs.heartbeat(job.id, owner, leaseMs, done, total, lastMessage), (state) => {
      if (state === "cancel") stop.abort(new JobStopped("canceled"));
      if (state === "lost") stop.abort(new JobStopped("lost"));
    });
    // The next checkpoint tries again; a store that failed once is not a reason to crash.
    if (beat instanceof Promise)
      beat.catch((err) => logError("job heartbeat failed", { job: job.id, error: err }));
  }, HEARTBEAT_EVERY_MS * 2);
  try {
    if (!kind) throw new Error(`unknown job kind "${job.kind}"`);
    logInfo("job started", { job: job.id, kind: job.kind, attempt: job.attempts });
    await checkpoint(0);
    const result = await kind.run(job.params, { services, jobId: job.id, signal, checkpoint });
    lastBeat = 0;
    try {
      await checkpoint(done, total); // a cancel that came in at the very end still counts
    } catch (err) {
      if (!(err instanceof JobStopped && err.reason === "canceled")) throw err;
      await jobs.finish(job.id, owner, { status: "canceled", result });
      logInfo("job canceled", { job: job.id });
      return job.id;
    }
    await jobs.heartbeat(job.id, owner, leaseMs, done, total);
    await jobs.finish(job.id, owner, { status: "succeeded", result });
    logInfo("job succeeded", { job: job.id, kind: job.kind });
  } catch (thrown) {
    // Work interrupted through the signal ends with whatever it throws (an AbortError):
    // the reason it was stopped is what counts.
    const err = signal.aborted ? stoppedBy(signal) : thrown;
    if (err instanceof JobStopped) {
      if (err.reason === "canceled") {
        await jobs.finish(job.id, owner, { status: "canceled" });
        logInfo("job canceled", { job: job.id });
      } else if (err.reason === "shutdown") {
        // Hand the job back at once rather than waiting for the lease to expire.
        await jobs.release(job.id, owner);
      }
      return job.id;
    }
    const message = err instanceof Error ? err.message : String(err);
    const status = await jobs.fail(
      job.id,
      owner,
      message,
      (opts.backoffMs ?? defaultBackoff)(job.attempts),
    );
    logError("job attempt failed", {
      job: job.id,
      kind: job.kind,
      attempt: job.attempts,
      next: status,
      error: message,
    });
  } finally {
    clearInterval(watch);
    shutdown.removeEventListener("abort", onShutdown);
  }
  return job.id;
}

function stoppedBy(signal: AbortSignal): JobStopped {
  return signal.reason instanceof JobStopped ? signal.reason : new JobStopped("shutdown");
}

/** The worker loop: until `signal` aborts. */
export async function runWorker(services: OpenServices, opts: WorkerOptions): Promise<void> {
  const signal = opts.signal ?? new AbortController().signal;
  const pollMs = opts.pollMs ?? 250;
  let lastHousekeeping = 0;
  while (!signal.aborted) {
    const now = Date.now();
    if (now - lastHousekeeping > 1000) {
      lastHousekeeping = now;
      await services.jobs.requeueExpired();
      await services.jobs.prune(opts.retentionMs ?? DEFAULT_RETENTION_MS);
    }
    const ran = await runOneJob(services, { ...opts, signal });
    if (!ran && !signal.aborted)
      await (services.jobs.waitForWork?.(pollMs, signal) ?? sleep(pollMs, signal));
  }
}

/** Runs due jobs until none is left (tests and the CLI). */
export async function drainJobs(services: OpenServices, opts: WorkerOptions): Promise<void> {
  while (await runOneJob(services, opts)) {}
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
