import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildBinary, buildTestBinary, type Running, startBinary } from "./support/binary.ts";
import { type PgCluster, requirePostgres, startPostgres } from "./support/postgres.ts";
import { tempDir } from "./support/services.ts";

// Issue 19: two `dist/quiver serve` replicas on one PostgreSQL database, each with its own
// data directory (nothing shared there) and its own job worker: what one is told, the
// other knows.
const run = requirePostgres();
const TOKEN = "pg-replicas-token-0123456789";
const work = tempDir("quiver-pg-bin-");
const roots = join(work, "roots");
let cluster: PgCluster;
let binary: string;
let testBinary: string;
let url: string;
beforeAll(async () => {
  if (!run) return;
  binary = buildBinary();
  testBinary = buildTestBinary();
  mkdirSync(roots, { recursive: true });
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
  rmSync(work, { recursive: true, force: true });
});

let replicas = 0;
/** A replica on this test's database, with a data directory of its own. */
const replica = (name: string, on = binary, env: Record<string, string> = {}) =>
  startBinary(
    on,
    [
      "--data",
      join(work, `${name}-${++replicas}`),
      "--quiet",
      "--import-root",
      roots,
      "--rate-limit",
      "0",
    ],
    { QUIVER_DATABASE_URL: url, QUIVER_TOKEN: TOKEN, ...env },
  );

async function call(server: Running, path: string, init: RequestInit & { token?: string } = {}) {
  const res = await fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${init.token ?? TOKEN}`, ...(init.headers ?? {}) },
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, text, json };
}
const tool = (server: Running, name: string, parameters: unknown) =>
  call(server, `/tools/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(parameters),
  });

/** The processes a server started (its job worker), read from /proc. */
function childrenOf(pid: number): number[] {
  const file = `/proc/${pid}/task/${pid}/children`;
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
}

describe.if(run)("two quiver binaries on one PostgreSQL database", () => {
  // Two replicas on a database of their own for every test: each passes alone and in any
  // order (the kill test below ends its replicas).
  let a: Running;
  let b: Running;
  beforeEach(async () => {
    url = await cluster.createDatabase();
    // Started at once on an empty database: the migrations run once, under their lock.
    [a, b] = await Promise.all([replica("a"), replica("b")]);
  });
  afterEach(async () => {
    await a?.stop().catch(() => {});
    await b?.stop().catch(() => {});
  });

  test("a file written through one is read, listed and found through the other", async () => {
    const body = "# Runbook\n\nWhen the pager fires, check the replication lag first.\n";
    const put = await call(a, "/files/ops/runbook.md", { method: "PUT", body });
    expect(put.status).toBe(201);
    const got = await call(b, "/files/ops/runbook.md");
    expect(got.status).toBe(200);
    expect(got.text).toBe(body);
    expect(
      (await tool(b, "list_files", { prefix: "ops/" })).json.files.map((f: any) => f.path),
    ).toEqual(["ops/runbook.md"]);
    const found = await tool(b, "search", { query: "what do I check when the pager fires" });
    expect(found.status).toBe(200);
    expect(found.json.results[0]).toMatchObject({ path: "ops/runbook.md", line_start: 1 });
    expect(found.json.results[0].snippet).toContain("«");
  });

  test("a token revoked on one is refused on the other", async () => {
    const made = await call(a, "/tokens", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "laptop", scope: "read" }),
    });
    expect(made.status).toBe(201);
    const secret = made.json.secret;
    expect((await call(b, "/files", { token: secret })).status).toBe(200);
    expect((await call(a, `/tokens/${made.json.token.id}`, { method: "DELETE" })).status).toBe(200);
    const refused = await call(b, "/files", { token: secret });
    expect(refused.status).toBe(401);
    expect(refused.json.error.message).toContain("revoked");
  });

  test("a replica killed mid-import loses nothing: the other one finishes the job", async () => {
    const tree = join(roots, "big");
    for (let i = 0; i < 1500; i++) {
      const dir = join(tree, `part${i % 20}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `doc-${i}.md`), `# Doc ${i}\n\nmarker zq${i}x and some words.\n`);
    }
    // Only a's worker may take the job: any replica's worker runs any job, and this test
    // needs to know whose to kill. b comes back once the job is under way. a is the test
    // build, whose import waits after its first committed batch while the hold file exists
    // (src/test-build.ts): killed there, it is provably mid-way, however fast the machine.
    await b.stop();
    await a.stop();
    const hold = join(work, `hold-${replicas}`);
    writeFileSync(hold, "");
    a = await replica("a", testBinary, { QUIVER_TEST_HOLD_JOBS: hold });
    const started = await tool(a, "import_path", { path: tree, prefix: "big/" });
    expect(started.status).toBe(200);
    const id = started.json.job_id;
    // Wait until a's worker is held inside the import (its first batch committed), then
    // kill the replica that started it, its worker with it, without a chance to clean up.
    for (;;) {
      const job = (await tool(a, "job_status", { job_id: id })).json;
      if (job.status === "running" && job.progress.done > 0) break;
      if (job.status !== "enqueued" && job.status !== "running")
        throw new Error(`the import ended before it could be interrupted: ${job.status}`);
      await Bun.sleep(20);
    }
    const pid = a.proc.pid;
    for (const child of childrenOf(pid)) process.kill(child, "SIGKILL");
    process.kill(pid, "SIGKILL");
    await a.proc.exited;
    b = await replica("b");
    // The lease (15 s) runs out; b's worker puts the job back and runs it to the end.
    let job: any;
    for (const deadline = Date.now() + 90_000; Date.now() < deadline; await Bun.sleep(200)) {
      job = (await tool(b, "job_status", { job_id: id })).json;
      if (job.status === "succeeded" || job.status === "failed") break;
    }
    expect(job.status).toBe("succeeded");
    expect(job.attempts).toBeGreaterThanOrEqual(2);
    let listed = 0;
    let cursor: string | undefined;
    do {
      const page = (await tool(b, "list_files", { prefix: "big/", limit: 1000, cursor })).json;
      listed += page.files.length;
      cursor = page.next_cursor;
    } while (cursor);
    expect(listed).toBe(1500);
    const one = await tool(b, "search", { query: "zq1234x" });
    expect(one.json.results.map((r: any) => r.path)).toEqual(["big/part14/doc-1234.md"]);
  }, 120_000);
});
