import type { Database, Statement } from "bun:sqlite";
import { badRequest, notFound, QuiverError } from "../errors.ts";

/**
 * The durable job queue, in SQLite: enqueued → running → succeeded | failed | canceled.
 * A worker claims a job by taking a lease; it renews the lease at every checkpoint. A
 * worker that dies leaves an expiring lease, and the job goes back to the queue. Job work
 * is idempotent (content hashes), so running a job twice changes nothing.
 * Claiming lives only here (DESIGN.md: the PostgreSQL seam is `FOR UPDATE SKIP LOCKED`).
 */
export type JobStatus = "enqueued" | "running" | "succeeded" | "failed" | "canceled";

export interface JobView {
  job_id: string;
  kind: string;
  status: JobStatus;
  params: Record<string, unknown>;
  progress: { done: number; total: number | null; message?: string };
  attempts: number;
  max_attempts: number;
  last_error?: string;
  result?: unknown;
  cancel_requested: boolean;
  created_by?: string;
  created_at: string;
  started_at?: string;
  finished_at?: string;
}

interface JobRow {
  id: string;
  kind: string;
  params: string;
  status: JobStatus;
  progress_done: number;
  progress_total: number | null;
  progress_message: string | null;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  result: string | null;
  cancel_requested: number;
  created_by: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  run_after: number;
  lease_owner: string | null;
  lease_until: number | null;
}

export interface ClaimedJob {
  id: string;
  kind: string;
  params: Record<string, unknown>;
  attempts: number;
  maxAttempts: number;
}

export const DEFAULT_MAX_ATTEMPTS = 3;

export class JobQueue {
  private readonly q: {
    get: Statement<JobRow, [string]>;
    claim: Statement<JobRow, [number, string, number]>;
    cancel: Statement<JobRow, [number, string]>;
    heartbeat: Statement<
      { cancel_requested: number },
      [number, number | null, string | null, number, string, string]
    >;
  };

  constructor(private readonly db: Database) {
    this.q = {
      get: db.prepare("SELECT * FROM jobs WHERE id = ?"),
      claim: db.prepare(
        `UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_owner = ?2, lease_until = ?1 + ?3,
           started_at = coalesce(started_at, ?1)
         WHERE id = (SELECT id FROM jobs WHERE status = 'enqueued' AND run_after <= ?1 ORDER BY run_after, created_at LIMIT 1)
         RETURNING *`,
      ),
      cancel: db.prepare(
        `UPDATE jobs SET cancel_requested = 1,
           status = CASE WHEN status = 'enqueued' THEN 'canceled' ELSE status END,
           finished_at = CASE WHEN status = 'enqueued' THEN ?1 ELSE finished_at END
         WHERE id = ?2 AND status IN ('enqueued', 'running')
         RETURNING *`,
      ),
      heartbeat: db.prepare(
        `UPDATE jobs SET progress_done = ?1, progress_total = ?2, progress_message = ?3, lease_until = ?4
         WHERE id = ?5 AND lease_owner = ?6 AND status = 'running' RETURNING cancel_requested`,
      ),
    };
  }

  enqueue(
    kind: string,
    params: Record<string, unknown>,
    opts: { createdBy?: string; maxAttempts?: number } = {},
  ): JobView {
    const id = newJobId();
    const now = Date.now();
    this.db.run(
      `INSERT INTO jobs (id, kind, params, status, attempts, max_attempts, created_by, created_at, run_after)
       VALUES (?, ?, ?, 'enqueued', 0, ?, ?, ?, ?)`,
      [
        id,
        kind,
        JSON.stringify(params),
        opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
        opts.createdBy ?? null,
        now,
        now,
      ],
    );
    return this.view(id);
  }

  get(id: string): JobView | undefined {
    const row = this.q.get.get(id);
    return row ? toView(row) : undefined;
  }

  view(id: string): JobView {
    const job = this.get(id);
    if (!job) throw notFound("job_not_found", `no job with id "${id}" (list_jobs shows them)`);
    return job;
  }

  list(opts: { status?: JobStatus; limit: number; cursor?: string }): {
    jobs: JobView[];
    next_cursor?: string;
  } {
    // Newest first; ids are UUIDv7-based, so they sort by creation time.
    const before = opts.cursor === undefined ? "\u{10FFFF}" : decodeCursor(opts.cursor);
    const rows = (
      opts.status
        ? this.db
            .query("SELECT * FROM jobs WHERE status = ? AND id < ? ORDER BY id DESC LIMIT +?")
            .all(opts.status, before, opts.limit + 1)
        : this.db
            .query("SELECT * FROM jobs WHERE id < ? ORDER BY id DESC LIMIT +?")
            .all(before, opts.limit + 1)
    ) as JobRow[];
    const jobs = rows.slice(0, opts.limit).map(toView);
    return rows.length > opts.limit
      ? { jobs, next_cursor: encodeCursor(jobs[jobs.length - 1]!.job_id) }
      : { jobs };
  }

  /**
   * Asks a job to stop. An enqueued job is canceled at once; a running one stops at its
   * next checkpoint. A finished job cannot be canceled (409). One statement decides, so
   * a cancel racing the job's completion either lands first (and finish() then records
   * the job as canceled) or finds it finished — never "accepted" with status succeeded.
   */
  cancel(id: string): JobView {
    const row = this.q.cancel.get(Date.now(), id);
    if (row) return toView(row);
    const job = this.view(id); // 404 when there is no such job
    throw new QuiverError(
      409,
      "job_finished",
      `job ${id} already ${job.status}; nothing to cancel`,
    );
  }

  /** Takes the next due job, if any, with a lease of `leaseMs`. */
  claim(owner: string, leaseMs: number, now = Date.now()): ClaimedJob | undefined {
    const row = this.q.claim.get(now, owner, leaseMs);
    if (!row) return undefined;
    return {
      id: row.id,
      kind: row.kind,
      params: JSON.parse(row.params),
      attempts: row.attempts,
      maxAttempts: row.max_attempts,
    };
  }

  /**
   * Records progress and renews the lease. Returns "cancel" when the job should stop,
   * "lost" when this worker no longer holds it (lease expired and taken over).
   */
  heartbeat(
    id: string,
    owner: string,
    leaseMs: number,
    done: number,
    total: number | null,
    message?: string,
  ): "ok" | "cancel" | "lost" {
    const row = this.q.heartbeat.get(done, total, message ?? null, Date.now() + leaseMs, id, owner);
    if (!row) return "lost";
    return row.cancel_requested ? "cancel" : "ok";
  }

  /**
   * Records the outcome. A cancel accepted after the job's last checkpoint still counts:
   * the job is recorded as canceled (with its result), as its caller was told it would be.
   */
  finish(
    id: string,
    owner: string,
    outcome: { status: "succeeded"; result: unknown } | { status: "canceled"; result?: unknown },
  ): void {
    this.db.run(
      `UPDATE jobs SET status = CASE WHEN cancel_requested = 1 THEN 'canceled' ELSE ? END,
         result = ?, finished_at = ?, lease_owner = NULL, lease_until = NULL
       WHERE id = ? AND lease_owner = ?`,
      [
        outcome.status,
        outcome.result === undefined ? null : JSON.stringify(outcome.result),
        Date.now(),
        id,
        owner,
      ],
    );
  }

  /** A failed attempt: back to the queue after `backoffMs`, or failed for good. */
  fail(id: string, owner: string, error: string, backoffMs: number): JobStatus {
    const row = this.q.get.get(id);
    if (!row || row.lease_owner !== owner) return row?.status ?? "failed";
    const now = Date.now();
    const final = row.attempts >= row.max_attempts || row.cancel_requested === 1;
    this.db.run(
      `UPDATE jobs SET status = ?, last_error = ?, run_after = ?, finished_at = ?, lease_owner = NULL, lease_until = NULL WHERE id = ?`,
      [
        final ? "failed" : "enqueued",
        error.slice(0, 2000),
        now + backoffMs,
        final ? now : null,
        id,
      ],
    );
    return final ? "failed" : "enqueued";
  }

  /** Hands a job back untried (the worker is shutting down): the attempt does not count. */
  release(id: string, owner: string): void {
    this.db.run(
      `UPDATE jobs SET status = 'enqueued', attempts = max(attempts - 1, 0), lease_owner = NULL, lease_until = NULL
       WHERE id = ? AND lease_owner = ? AND status = 'running'`,
      [id, owner],
    );
  }

  /** Puts jobs whose lease ran out (their worker died) back in the queue. */
  requeueExpired(now = Date.now()): number {
    return this.db.run(
      `UPDATE jobs SET status = 'enqueued', lease_owner = NULL, lease_until = NULL
       WHERE status = 'running' AND lease_until < ?`,
      [now],
    ).changes;
  }

  /**
   * Puts running jobs back whose worker is known to be dead (`isAlive(owner)` false), without
   * waiting for their lease to expire: a restart after kill -9 resumes at once.
   */
  requeueOrphaned(isAlive: (owner: string) => boolean): number {
    const running = this.db
      .query("SELECT id, lease_owner FROM jobs WHERE status = 'running'")
      .all() as { id: string; lease_owner: string | null }[];
    let n = 0;
    for (const job of running) {
      if (job.lease_owner && isAlive(job.lease_owner)) continue;
      n += this.db.run(
        `UPDATE jobs SET status = 'enqueued', lease_owner = NULL, lease_until = NULL WHERE id = ? AND status = 'running' AND lease_owner IS ?`,
        [job.id, job.lease_owner],
      ).changes;
    }
    return n;
  }

  /** Deletes finished jobs older than `retentionMs`. */
  prune(retentionMs: number, now = Date.now()): number {
    return this.db.run(
      `DELETE FROM jobs WHERE status IN ('succeeded', 'failed', 'canceled') AND finished_at < ?`,
      [now - retentionMs],
    ).changes;
  }
}

let sequence = 0;
/** Sortable by creation: 48-bit ms timestamp, a per-process sequence, then randomness. */
export function newJobId(): string {
  sequence = (sequence + 1) % 0x1000000;
  const random = Buffer.from(crypto.getRandomValues(new Uint8Array(3))).toString("hex");
  return `job_${Date.now().toString(16).padStart(12, "0")}${sequence.toString(16).padStart(6, "0")}${random}`;
}

function toView(row: JobRow): JobView {
  const iso = (ms: number | null) => (ms === null ? undefined : new Date(ms).toISOString());
  return {
    job_id: row.id,
    kind: row.kind,
    status: row.status,
    params: JSON.parse(row.params),
    progress: {
      done: row.progress_done,
      total: row.progress_total,
      ...(row.progress_message ? { message: row.progress_message } : {}),
    },
    attempts: row.attempts,
    max_attempts: row.max_attempts,
    ...(row.last_error ? { last_error: row.last_error } : {}),
    ...(row.result !== null ? { result: JSON.parse(row.result) } : {}),
    cancel_requested: row.cancel_requested === 1,
    ...(row.created_by ? { created_by: row.created_by } : {}),
    created_at: iso(row.created_at)!,
    ...(row.started_at !== null ? { started_at: iso(row.started_at) } : {}),
    ...(row.finished_at !== null ? { finished_at: iso(row.finished_at) } : {}),
  };
}

export function encodeCursor(id: string): string {
  return Buffer.from(id).toString("base64url");
}

export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^job_[0-9a-f]{24}$/.test(id))
    throw badRequest(
      "invalid_cursor",
      "cursor is not one this server returned; start again without it",
    );
  return id;
}
