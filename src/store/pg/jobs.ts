import type { SQL } from "bun";
import { notFound, QuiverError } from "../../errors.ts";
import type { Jobs } from "../interfaces/jobs.ts";
import {
  type ClaimedJob,
  DEFAULT_MAX_ATTEMPTS,
  decodeCursor,
  encodeCursor,
  type JobStatus,
  type JobView,
  newJobId,
} from "../jobs.ts";
import { num, numOrNull } from "./rows.ts";

/** The channel an enqueue notifies: every replica's worker wakes and tries to claim. */
const CHANNEL = "quiver_jobs";

/**
 * The job queue in PostgreSQL. Any replica's worker may run any job: a claim takes the
 * oldest due job with FOR UPDATE SKIP LOCKED (two workers never take the same one, and
 * neither waits for the other) and a lease; a replica that dies leaves an expiring lease,
 * and the next worker's requeueExpired gives the job back to the queue. Work is idempotent
 * (content hashes), so running an interrupted import again loses and duplicates nothing.
 * Enqueues NOTIFY, so an idle worker wakes at once instead of at its next poll.
 */
export class PgJobQueue implements Jobs {
  private waiters = new Set<() => void>();
  private listening?: Promise<unknown>;

  constructor(private readonly sql: SQL) {}

  async enqueue(
    kind: string,
    params: Record<string, unknown>,
    opts: { createdBy?: string; maxAttempts?: number } = {},
  ): Promise<JobView> {
    const id = newJobId();
    const now = Date.now();
    const [row] = await this.sql.begin(async (tx) => {
      const rows =
        await tx`INSERT INTO jobs (id, kind, params, status, attempts, max_attempts, created_by, created_at, run_after)
        VALUES (${id}, ${kind}, ${JSON.stringify(params)}::text::jsonb, 'enqueued', 0, ${opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS},
          ${opts.createdBy ?? null}, ${now}, ${now}) RETURNING *`;
      await tx.notify(CHANNEL, id);
      return rows;
    });
    return toView(row);
  }

  async get(id: string): Promise<JobView | undefined> {
    const [row] = await this.sql`SELECT * FROM jobs WHERE id = ${id}`;
    return row ? toView(row) : undefined;
  }

  async view(id: string): Promise<JobView> {
    const job = await this.get(id);
    if (!job) throw notFound("job_not_found", `no job with id "${id}" (list_jobs shows them)`);
    return job;
  }

  async list(opts: { status?: JobStatus; limit: number; cursor?: string }) {
    const before = opts.cursor === undefined ? "\u{10FFFF}" : decodeCursor(opts.cursor);
    const rows = opts.status
      ? await this
          .sql`SELECT * FROM jobs WHERE status = ${opts.status} AND id < ${before} COLLATE "C"
          ORDER BY id COLLATE "C" DESC LIMIT ${opts.limit + 1}`
      : await this.sql`SELECT * FROM jobs WHERE id < ${before} COLLATE "C"
          ORDER BY id COLLATE "C" DESC LIMIT ${opts.limit + 1}`;
    const jobs: JobView[] = rows.slice(0, opts.limit).map(toView);
    return rows.length > opts.limit
      ? { jobs, next_cursor: encodeCursor(jobs[jobs.length - 1]!.job_id) }
      : { jobs };
  }

  async cancel(id: string): Promise<JobView> {
    const [row] = await this.sql`UPDATE jobs SET cancel_requested = true,
        status = CASE WHEN status = 'enqueued' THEN 'canceled' ELSE status END,
        finished_at = CASE WHEN status = 'enqueued' THEN ${Date.now()}::bigint ELSE finished_at END
      WHERE id = ${id} AND status IN ('enqueued', 'running') RETURNING *`;
    if (row) return toView(row);
    const job = await this.view(id);
    throw new QuiverError(
      409,
      "job_finished",
      `job ${id} already ${job.status}; nothing to cancel`,
    );
  }

  async claim(owner: string, leaseMs: number, now = Date.now()): Promise<ClaimedJob | undefined> {
    const [row] = await this.sql`UPDATE jobs SET status = 'running', attempts = attempts + 1,
        lease_owner = ${owner}, lease_until = ${now + leaseMs}, started_at = coalesce(started_at, ${now})
      WHERE id = (SELECT id FROM jobs WHERE status = 'enqueued' AND run_after <= ${now}
        ORDER BY run_after, created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
      RETURNING *`;
    if (!row) return undefined;
    return {
      id: row.id,
      kind: row.kind,
      params: row.params,
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
    };
  }

  async heartbeat(
    id: string,
    owner: string,
    leaseMs: number,
    done: number,
    total: number | null,
    message?: string,
  ): Promise<"ok" | "cancel" | "lost"> {
    const [row] = await this.sql`UPDATE jobs SET progress_done = ${done}, progress_total = ${total},
        progress_message = ${message ?? null}, lease_until = ${Date.now() + leaseMs}
      WHERE id = ${id} AND lease_owner = ${owner} AND status = 'running' RETURNING cancel_requested`;
    if (!row) return "lost";
    return row.cancel_requested ? "cancel" : "ok";
  }

  async finish(
    id: string,
    owner: string,
    outcome: { status: "succeeded"; result: unknown } | { status: "canceled"; result?: unknown },
  ): Promise<void> {
    const result = outcome.result === undefined ? null : JSON.stringify(outcome.result);
    await this
      .sql`UPDATE jobs SET status = CASE WHEN cancel_requested THEN 'canceled' ELSE ${outcome.status} END,
        result = ${result}::text::jsonb, finished_at = ${Date.now()}, lease_owner = NULL, lease_until = NULL
      WHERE id = ${id} AND lease_owner = ${owner}`;
  }

  async fail(id: string, owner: string, error: string, backoffMs: number): Promise<JobStatus> {
    const now = Date.now();
    // One statement: the lease check and the decision cannot interleave with a takeover.
    const [row] = await this.sql`UPDATE jobs SET
        status = CASE WHEN attempts >= max_attempts OR cancel_requested THEN 'failed' ELSE 'enqueued' END,
        finished_at = CASE WHEN attempts >= max_attempts OR cancel_requested THEN ${now}::bigint ELSE NULL END,
        last_error = ${error.slice(0, 2000)}, run_after = ${now + backoffMs},
        lease_owner = NULL, lease_until = NULL
      WHERE id = ${id} AND lease_owner = ${owner} RETURNING status`;
    if (row) return row.status;
    const job = await this.get(id);
    return job?.status ?? "failed";
  }

  async release(id: string, owner: string): Promise<void> {
    await this.sql`UPDATE jobs SET status = 'enqueued', attempts = greatest(attempts - 1, 0),
        lease_owner = NULL, lease_until = NULL
      WHERE id = ${id} AND lease_owner = ${owner} AND status = 'running'`;
    await this.sql.notify(CHANNEL, id);
  }

  async requeueExpired(now = Date.now()): Promise<number> {
    const r = await this
      .sql`UPDATE jobs SET status = 'enqueued', lease_owner = NULL, lease_until = NULL
      WHERE status = 'running' AND lease_until < ${now}`;
    return r.count;
  }

  /**
   * Replicas share the queue, and a process id says nothing about a worker on another
   * machine: only an expired lease shows a worker is gone.
   */
  requeueOrphaned(_isAlive: (owner: string) => boolean): Promise<number> {
    return this.requeueExpired();
  }

  async prune(retentionMs: number, now = Date.now()): Promise<number> {
    const r = await this.sql`DELETE FROM jobs
      WHERE status IN ('succeeded', 'failed', 'canceled') AND finished_at < ${now - retentionMs}`;
    return r.count;
  }

  /** Resolves after `ms`, or as soon as a job is enqueued (or handed back) on any replica. */
  async waitForWork(ms: number, signal: AbortSignal): Promise<void> {
    this.listening ??= this.sql
      .listen(CHANNEL, () => {
        const woken = [...this.waiters];
        this.waiters.clear();
        for (const wake of woken) wake();
      })
      .catch(() => undefined); // no LISTEN: the poll interval still applies
    await this.listening;
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

// biome-ignore lint/suspicious/noExplicitAny: a row as Bun.sql returns it, read field by field below
function toView(row: Record<string, any>): JobView {
  const iso = (ms: unknown) => (ms === null ? undefined : new Date(num(ms)).toISOString());
  return {
    job_id: row.id,
    kind: row.kind,
    status: row.status,
    params: row.params,
    progress: {
      done: num(row.progress_done),
      total: numOrNull(row.progress_total),
      ...(row.progress_message ? { message: row.progress_message } : {}),
    },
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    ...(row.last_error ? { last_error: row.last_error } : {}),
    ...(row.result !== null ? { result: row.result } : {}),
    cancel_requested: row.cancel_requested === true,
    ...(row.created_by ? { created_by: row.created_by } : {}),
    created_at: iso(row.created_at)!,
    ...(row.started_at !== null ? { started_at: iso(row.started_at) } : {}),
    ...(row.finished_at !== null ? { finished_at: iso(row.finished_at) } : {}),
  };
}
