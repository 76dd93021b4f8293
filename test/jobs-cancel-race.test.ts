import { afterAll, expect, test } from "bun:test";
import { request, testServer } from "./support/services.ts";

const server = testServer();
const { jobs } = server.services;
afterAll(() => server.close());

/**
 * Runs `during` right after the queue's next read of a job: the worker finishing the job
 * exactly while a cancel is being decided, after what it read and before what it writes.
 */
function afterNextRead(during: () => void) {
  const get = jobs.get;
  jobs.get = (id: string) => {
    jobs.get = get;
    const seen = get.call(jobs, id);
    during();
    return seen;
  };
}

test("cancel_job racing the job's completion: 409 job_finished, or accepted and the job ends canceled", async () => {
  const job = jobs.enqueue("count", {});
  const claimed = jobs.claim("w-race", 60_000)!;
  expect(claimed.id).toBe(job.job_id);
  afterNextRead(() => jobs.finish(job.job_id, "w-race", { status: "succeeded", result: { n: 1 } }));
  const res = await request(server, "/tools/cancel_job", {
    body: { job_id: job.job_id },
    token: server.tokens.write,
  });
  // The worker's own finish, if the cancel got in first.
  jobs.finish(job.job_id, "w-race", { status: "succeeded", result: { n: 1 } });
  const final = jobs.view(job.job_id);
  if (res.status === 409) {
    expect(res.json.error.code).toBe("job_finished");
    expect(final.status).toBe("succeeded");
  } else {
    // Accepted: the answer shows an unfinished job asked to stop, and that is what happened.
    expect(res.status).toBe(200);
    expect(res.json.status).toBe("running");
    expect(res.json.cancel_requested).toBe(true);
    expect(final.status).toBe("canceled");
  }
});

test("a cancel accepted after the last checkpoint is recorded as canceled, result kept", () => {
  const job = jobs.enqueue("count", {});
  jobs.claim("w-late", 60_000);
  expect(jobs.cancel(job.job_id)).toMatchObject({ status: "running", cancel_requested: true });
  jobs.finish(job.job_id, "w-late", { status: "succeeded", result: { n: 2 } });
  expect(jobs.view(job.job_id)).toMatchObject({ status: "canceled", result: { n: 2 } });
});

test("a finished job: 409 job_finished; an unknown one: 404", async () => {
  const job = jobs.enqueue("count", {});
  jobs.claim("w-done", 60_000);
  jobs.finish(job.job_id, "w-done", { status: "succeeded", result: {} });
  const res = await request(server, "/tools/cancel_job", {
    body: { job_id: job.job_id },
    token: server.tokens.write,
  });
  expect(res.status).toBe(409);
  expect(res.json.error.code).toBe("job_finished");
  const missing = await request(server, "/tools/cancel_job", {
    body: { job_id: "job_000000000000000000000000" },
    token: server.tokens.write,
  });
  expect(missing.status).toBe(404);
});
