import type { Awaitable } from "../awaitable.ts";
import type { ClaimedJob, JobStatus, JobView } from "../jobs.ts";

/**
 * The durable job queue: enqueued → running → succeeded | failed | canceled, claimed
 * with leases (SQLite: jobs.ts; PostgreSQL).
 */
export interface Jobs {
  enqueue(
    kind: string,
    params: Record<string, unknown>,
    opts?: { createdBy?: string; maxAttempts?: number },
  ): Awaitable<JobView>;
  get(id: string): Awaitable<JobView | undefined>;
  /** The job or a 404. */
  view(id: string): Awaitable<JobView>;
  list(opts: {
    status?: JobStatus;
    limit: number;
    cursor?: string;
  }): Awaitable<{ jobs: JobView[]; next_cursor?: string }>;
  cancel(id: string): Awaitable<JobView>;
  claim(owner: string, leaseMs: number, now?: number): Awaitable<ClaimedJob | undefined>;
  /** Records progress and renews the lease. */
  heartbeat(
    id: string,
    owner: string,
    leaseMs: number,
    done: number,
    total: number | null,
    message?: string,
  ): Awaitable<"ok" | "cancel" | "lost">;
  finish(
    id: string,
    owner: string,
    outcome: { status: "succeeded"; result: unknown } | { status: "canceled"; result?: unknown },
  ): Awaitable<void>;
  fail(id: string, owner: string, error: string, backoffMs: number): Awaitable<JobStatus>;
  /** Gives a claimed job back without counting the attempt. */
  release(id: string, owner: string): Awaitable<void>;
  requeueExpired(now?: number): Awaitable<number>;
  requeueOrphaned(isAlive: (owner: string) => boolean): Awaitable<number>;
  prune(retentionMs: number, now?: number): Awaitable<number>;
  /**
   * Resolves after `ms`, or sooner when a job may have become due (the worker's idle
   * wait). Optional: without it the worker sleeps `ms`.
   */
  waitForWork?(ms: number, signal: AbortSignal): Promise<void>;
}
