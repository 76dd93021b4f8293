import { afterAll, expect, test } from "bun:test";
import { loadConfig } from "../src/config.ts";
import { defaultBackoff } from "../src/jobs/worker.ts";
import { RateLimiter } from "../src/server/rate-limit.ts";
import { testServer } from "./support/services.ts";

// Defaults users rely on, each pinned to the value the README promises, written here as
// literals: changing one must be a decision that also changes this file and the docs.
const defaults = loadConfig({}, {}, "/srv");

test("the server binds loopback only, on port 8080, unless told otherwise", () => {
  expect(defaults.host).toBe("127.0.0.1");
  expect(defaults.port).toBe(8080);
  expect(defaults.dataDir).toBe("/srv/quiver-data");
});

test("limits: 32 MiB bodies, 60 s tool timeout, 7 days of finished jobs", () => {
  expect(defaults.maxBodyBytes).toBe(32 * 1024 * 1024);
  expect(defaults.toolTimeoutMs).toBe(60_000);
  expect(defaults.jobRetentionMs).toBe(7 * 24 * 60 * 60 * 1000);
});

test("the rate limit is 100 requests per second per token, in bursts of 1,000", () => {
  expect(defaults.rateLimit).toBe(100);
  const limiter = new RateLimiter(defaults.rateLimit, "requests for this token");
  for (let i = 0; i < 1000; i++) limiter.take("token", 0);
  expect(() => limiter.take("token", 0)).toThrow(expect.objectContaining({ status: 429 }));
  limiter.take("token", 10); // 10 ms later: one more (100 per second)
  expect(() => limiter.take("token", 10)).toThrow(expect.objectContaining({ status: 429 }));
});

test("a failing job is retried after 1 s, 2 s, 4 s … at most 60 s apart", () => {
  expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(defaultBackoff)).toEqual([
    1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000,
  ]);
});

const server = testServer();
afterAll(() => server.close());

test("a job gets 3 attempts before it fails for good", () => {
  const { jobs } = server.services;
  const job = jobs.enqueue("count", { n: 1 });
  const statuses: string[] = [];
  for (let attempt = 0; attempt < 10; attempt++) {
    const claimed = jobs.claim("worker", 60_000);
    if (!claimed) break;
    statuses.push(jobs.fail(claimed.id, "worker", "broken", 0));
  }
  expect(statuses).toEqual(["enqueued", "enqueued", "failed"]);
  expect(jobs.view(job.job_id).status).toBe("failed");
});
