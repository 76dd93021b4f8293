import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { JobKind } from "../src/jobs/kinds.ts";
import { ownerAlive } from "../src/jobs/supervisor.ts";
import { drainJobs, runOneJob } from "../src/jobs/worker.ts";
import type { JobQueue } from "../src/store/jobs.ts";
import { rawDatabase, request, type TestServer, testServer } from "./support/services.ts";

// A fresh store for every test: runOneJob takes whichever job is due, so a job one test
// left behind must not be what another test's worker picks up.
let server: TestServer;
let jobs: JobQueue;
beforeEach(() => {
  server = testServer();
  jobs = server.services.jobs;
});
afterEach(() => server.close());

const counting: JobKind = {
  kind: "count",
  async run(params, ctx) {
    const n = Number(params.n);
    for (let i = 1; i <= n; i++) {
      await ctx.checkpoint(i, n, `item ${i}`);
    }
    return { counted: n };
  },
};
/**
 * A job that records progress 1, then waits until the test opens its gate, then goes on
 * to checkpoint 2…n. While it waits the test can cancel it or shut the worker down; what
 * the job does next is then certain, not a matter of how fast the machine is.
 */
function gatedJob() {
  const gate = Promise.withResolvers<void>();
  const seen = { signal: undefined as AbortSignal | undefined, reached: 0 };
  const kind: JobKind = {
    kind: "gated",
    async run(params, ctx) {
      const n = Number(params.n);
      seen.signal = ctx.signal;
      await ctx.checkpoint(1, n);
      seen.reached = 1;
      await gate.promise;
      for (let i = 2; i <= n; i++) {
        await ctx.checkpoint(i, n);
        seen.reached = i;
      }
      return { counted: n };
    },
  };
  return { kind, seen, open: () => gate.resolve() };
}

/** Resolves once `signal` has fired (the worker has seen the cancel or the shutdown). */
const fired = (signal: AbortSignal) =>
  new Promise<void>((resolve) =>
    signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true }),
  );

/** Waits (bounded) until the job's recorded progress reaches `done`. */
async function progressReaches(jobId: string, done: number) {
  const deadline = Date.now() + 30_000;
  while (jobs.view(jobId).progress.done < done) {
    if (Date.now() > deadline) throw new Error(`job ${jobId} never reached ${done}`);
    await Bun.sleep(10);
  }
}

let flakyCalls = 0;
const flaky: JobKind = {
  kind: "flaky",
  async run() {
    flakyCalls++;
    throw new Error(`disk on fire (call ${flakyCalls})`);
  },
};
const kinds = [counting, flaky];
const noBackoff = () => 0;

describe("the job queue", () => {
  test("a job runs to succeeded with its progress and result", async () => {
    const job = jobs.enqueue("count", { n: 3 });
    expect(job.status).toBe("enqueued");
    await drainJobs(server.services, { kinds, backoffMs: noBackoff });
    const done = jobs.view(job.job_id);
    expect(done).toMatchObject({
      status: "succeeded",
      progress: { done: 3, total: 3 },
      attempts: 1,
      result: { counted: 3 },
    });
    expect(done.finished_at).toBeDefined();
  });

  test("failures retry with backoff up to the limit, then failed with the error", async () => {
    flakyCalls = 0;
    const job = jobs.enqueue("flaky", {}, { maxAttempts: 3 });
    // the first failure schedules a retry in the future: not due yet
    await runOneJob(server.services, { kinds, backoffMs: () => 60_000 });
    expect(jobs.view(job.job_id)).toMatchObject({
      status: "enqueued",
      attempts: 1,
      last_error: "disk on fire (call 1)",
    });
    expect(await runOneJob(server.services, { kinds })).toBeUndefined();
    // make it due again, then let it exhaust its attempts
    rawDatabase(server).run("UPDATE jobs SET run_after = 0 WHERE id = ?", [job.job_id]);
    await drainJobs(server.services, { kinds, backoffMs: noBackoff });
    expect(flakyCalls).toBe(3);
    expect(jobs.view(job.job_id)).toMatchObject({
      status: "failed",
      attempts: 3,
      last_error: "disk on fire (call 3)",
    });
  });

  test("an enqueued job is canceled at once; a finished one cannot be", async () => {
    const job = jobs.enqueue("count", { n: 1 });
    expect(jobs.cancel(job.job_id).status).toBe("canceled");
    await drainJobs(server.services, { kinds });
    expect(jobs.view(job.job_id).progress.done).toBe(0);
    expect(() => jobs.cancel(job.job_id)).toThrow(expect.objectContaining({ status: 409 }));
  });

  test("a running job stops at its next checkpoint when canceled", async () => {
    const gated = gatedJob();
    const job = jobs.enqueue("gated", { n: 1000 });
    const running = runOneJob(server.services, { kinds: [gated.kind] });
    await progressReaches(job.job_id, 1);
    jobs.cancel(job.job_id);
    await fired(gated.seen.signal!); // the worker noticed the cancel
    gated.open();
    await running;
    const view = jobs.view(job.job_id);
    expect(view.status).toBe("canceled");
    expect(view.progress.done).toBe(1);
    expect(gated.seen.reached).toBe(1); // checkpoint 2 threw: nothing past it ran
  });

  test("a worker that dies leaves a lease that expires; the job runs again and succeeds", async () => {
    const job = jobs.enqueue("count", { n: 2 });
    const claimed = jobs.claim("dead-worker", 1)!;
    expect(claimed.id).toBe(job.job_id);
    // The lease is 1 ms: once the clock has moved past it, it counts as expired.
    const claimedAt = Date.now();
    while (Date.now() <= claimedAt + 1) await Bun.sleep(1);
    expect(jobs.requeueExpired()).toBeGreaterThanOrEqual(1);
    await drainJobs(server.services, { kinds });
    expect(jobs.view(job.job_id)).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  test("at start-up, jobs of a dead worker are requeued at once; a live worker keeps its job", async () => {
    const dead = jobs.enqueue("count", { n: 1 });
    jobs.claim("w999999999", 60_000);
    const live = jobs.enqueue("count", { n: 1 });
    jobs.claim(`w${process.pid}`, 60_000);
    expect(jobs.requeueOrphaned(ownerAlive)).toBe(1);
    expect(jobs.view(dead.job_id).status).toBe("enqueued");
    expect(jobs.view(live.job_id).status).toBe("running");
    rawDatabase(server).run("UPDATE jobs SET lease_until = 0 WHERE id = ?", [live.job_id]);
    await drainJobs(server.services, { kinds });
    expect(jobs.view(dead.job_id).status).toBe("succeeded");
  });

  test("a worker shutting down hands its job back without spending an attempt", async () => {
    const gated = gatedJob();
    const job = jobs.enqueue("gated", { n: 100 });
    const abort = new AbortController();
    const running = runOneJob(server.services, { kinds: [gated.kind], signal: abort.signal });
    await progressReaches(job.job_id, 1);
    expect(jobs.view(job.job_id).status).toBe("running");
    abort.abort();
    gated.open();
    await running;
    expect(gated.seen.reached).toBe(1);
    expect(jobs.view(job.job_id)).toMatchObject({ status: "enqueued", attempts: 0 });
    const again = gatedJob();
    again.open();
    await drainJobs(server.services, { kinds: [again.kind] });
    expect(jobs.view(job.job_id).status).toBe("succeeded");
  });

  test("finished jobs are pruned after the retention time", () => {
    const job = jobs.enqueue("count", { n: 1 });
    jobs.cancel(job.job_id);
    expect(jobs.prune(60_000)).toBe(0);
    expect(jobs.prune(0, Date.now() + 1)).toBeGreaterThanOrEqual(1);
    expect(jobs.get(job.job_id)).toBeUndefined();
  });
});

describe("job tools over HTTP", () => {
  test("job_status, list_jobs and cancel_job", async () => {
    const older = jobs.enqueue("count", { n: 1 });
    jobs.cancel(older.job_id);
    const a = jobs.enqueue("count", { n: 1 });
    const b = jobs.enqueue("count", { n: 1 });
    const status = await request(server, "/tools/job_status", { body: { job_id: a.job_id } });
    expect(status.json).toMatchObject({
      job_id: a.job_id,
      status: "enqueued",
      progress: { done: 0 },
    });

    const canceled = await request(server, "/tools/cancel_job", {
      token: server.tokens.write,
      body: { job_id: b.job_id },
    });
    expect(canceled.json.status).toBe("canceled");
    const readerCancel = await request(server, "/tools/cancel_job", {
      token: server.tokens.read,
      body: { job_id: a.job_id },
    });
    expect(readerCancel.status).toBe(403);

    const list = await request(server, "/tools/list_jobs", {
      body: { status: "canceled", limit: 1 },
    });
    expect(list.json.jobs).toHaveLength(1);
    expect(list.json.jobs[0].job_id).toBe(b.job_id); // newest first
    expect(list.json.next_cursor).toBeString();
    const next = await request(server, "/tools/list_jobs", {
      body: { status: "canceled", limit: 50, cursor: list.json.next_cursor },
    });
    expect(next.json.jobs.map((j: { job_id: string }) => j.job_id)).toEqual([older.job_id]);

    const missing = await request(server, "/tools/job_status", { body: { job_id: "job_nope" } });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("job_not_found");
  });
});
