import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { loadConfig } from "../src/config.ts";
import { openSqliteServices } from "../src/services.ts";
import { buildBinary, buildTestBinary, type Running, startBinary } from "./support/binary.ts";
import { tempDir } from "./support/services.ts";

// Background jobs through the real binary: the server, its worker process, and the tools.
const TOKEN = "jobs-test-token-0123456789";
const work = tempDir("quiver-jobs-");
const roots = join(work, "roots");
let binary: string;
let testBinary: string;
beforeAll(() => {
  binary = buildBinary();
  testBinary = buildTestBinary();
  mkdirSync(roots, { recursive: true });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function generate(dir: string, count: number, bytes = 600): void {
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `part${i % 25}`);
    mkdirSync(sub, { recursive: true });
    const body =
      `# Document ${i}\n\nThe unique marker is zqx${i}marker.\n\n` +
      `Paragraph about topic ${i % 7} and more words.\n`.repeat(Math.ceil(bytes / 45));
    writeFileSync(join(sub, `doc-${i}.md`), body);
  }
}

async function tool(server: Running, name: string, parameters: unknown) {
  const res = await fetch(`${server.url}/tools/${name}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(parameters),
  });
  return { status: res.status, json: (await res.json()) as any };
}

async function waitFor(
  server: Running,
  jobId: string,
  done: (job: any) => boolean,
  timeoutMs = 60_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await tool(server, "job_status", { job_id: jobId });
    if (done(json)) return json;
    if (Date.now() > deadline) throw new Error(`job ${jobId} stuck: ${JSON.stringify(json)}`);
    await Bun.sleep(50);
  }
}
const finished = (j: any) => ["succeeded", "failed", "canceled"].includes(j.status);

/** Per file: path, hash and number of search passages — the end state a user could observe. */
function endState(dataDir: string): string[] {
  const db = new Database(join(dataDir, "quiver.db"), { readonly: true });
  const rows = db
    .query(`SELECT f.path, f.hash, (SELECT count(*) FROM passages p WHERE p.file_id = f.id) AS n,
                   (SELECT count(*) FROM passages_fts WHERE rowid IN (SELECT id FROM passages p WHERE p.file_id = f.id)) AS fts
            FROM files f ORDER BY f.path`)
    .all() as { path: string; hash: string; n: number; fts: number }[];
  db.close();
  return rows.map((r) => `${r.path} ${r.hash} ${r.n} ${r.fts}`);
}

const serve = (data: string, extra: string[] = []) =>
  startBinary(binary, ["--data", data, "--quiet", "--import-root", roots, ...extra], {
    QUIVER_TOKEN: TOKEN,
  });

/**
 * The test build (dist/quiver-test), whose imports wait after each committed batch while
 * `<data>.hold` exists (src/test-build.ts). Resolves once the import `jobId` is held there:
 * running, its first batch committed, and no further commit possible until the file goes,
 * however fast the machine.
 */
async function serveHeld(data: string, dir: string, params: Record<string, unknown> = {}) {
  const hold = `${data}.hold`;
  writeFileSync(hold, "");
  const server = await startBinary(
    testBinary,
    ["--data", data, "--quiet", "--import-root", roots],
    {
      QUIVER_TOKEN: TOKEN,
      QUIVER_TEST_HOLD_JOBS: hold,
    },
  );
  const { json } = await tool(server, "import_path", { path: dir, ...params });
  const held = await waitFor(
    server,
    json.job_id,
    (j) => j.status === "running" && j.progress.done > 0,
  );
  return {
    server,
    jobId: json.job_id as string,
    held,
    release: () => rmSync(hold, { force: true }),
  };
}

describe("import_path and the job tools, with the real binary", () => {
  test("an import of 2,000 files runs in the background to succeeded; files are stored and searchable", async () => {
    const dir = join(roots, "two-thousand");
    generate(dir, 2000);
    const server = await serve(join(work, "d1"));
    const started = await tool(server, "import_path", { path: dir, prefix: "kb" });
    expect(started.status).toBe(200);
    expect(started.json).toEqual({ job_id: expect.stringMatching(/^job_/), status: "enqueued" });
    const job = await waitFor(server, started.json.job_id, finished);
    expect(job.status).toBe("succeeded");
    expect(job.result).toMatchObject({ added: 2000, updated: 0, unchanged: 0 });
    expect(job.progress).toMatchObject({ done: 2000, total: 2000 });
    const hit = await tool(server, "search", { query: "zqx1234marker" });
    expect(hit.json.results[0].path).toBe("kb/part9/doc-1234.md");
    const page = await tool(server, "list_files", { prefix: "kb/part0/", limit: 1000 });
    expect(page.json.files).toHaveLength(80);
    // idempotent: the same import again changes nothing
    const again = await waitFor(
      server,
      (await tool(server, "import_path", { path: dir, prefix: "kb" })).json.job_id,
      finished,
    );
    expect(again.result).toMatchObject({ added: 0, updated: 0, unchanged: 2000 });
    await server.stop();
  }, 120_000);

  test("kill -9 mid-import (server and worker), restart: the job completes and equals a clean import", async () => {
    const dir = join(roots, "crash");
    generate(dir, 6000, 2000);
    const data = join(work, "d-crash");
    const { server, jobId, held, release } = await serveHeld(data, dir, { prefix: "c" });
    const worker = spawnSync(["pgrep", "-P", String(server.proc.pid)])
      .stdout.toString()
      .trim()
      .split("\n")
      .filter(Boolean)
      .map(Number);
    expect(worker.length).toBeGreaterThan(0);
    for (const pid of worker) process.kill(pid, "SIGKILL");
    server.proc.kill("SIGKILL");
    await server.proc.exited;
    // Killed mid-way: what the job reported done is stored, the rest is not.
    const midway = endState(data).length;
    expect(midway).toBe(held.progress.done);
    expect(midway).toBeLessThan(6000);

    release();
    const again = await serve(data); // the release build takes over the test build's job
    const job = await waitFor(again, jobId, finished);
    expect(job.status).toBe("succeeded");
    expect(job.attempts).toBe(2);
    await again.stop();

    // the same tree imported cleanly, by the CLI (one implementation for both)
    const clean = join(work, "d-clean");
    const cli = spawnSync([binary, "index", dir, "--prefix", "c/", "--data", clean], {
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(cli.exitCode).toBe(0);
    // the binary carries the import worker thread (a build without it falls back, and says so)
    expect(cli.stderr.toString()).not.toContain("import worker thread did not start");
    const crashed = endState(data);
    expect(crashed).toHaveLength(6000);
    expect(crashed).toEqual(endState(clean));
    // every file searchable exactly once: one passage row per FTS row, none orphaned
    expect(
      crashed.every((line) => {
        const [, , n, fts] = line.split(" ");
        return Number(n) > 0 && n === fts;
      }),
    ).toBe(true);
  }, 180_000);

  test("SIGTERM mid-import: exits 0, the job goes back to the queue unspent and finishes after restart", async () => {
    const dir = join(roots, "sigterm");
    generate(dir, 6000, 2000);
    const data = join(work, "d-sigterm");
    const { server, jobId, held, release } = await serveHeld(data, dir);
    expect(held.progress.done).toBeLessThan(6000);
    expect(await server.stop("SIGTERM")).toBe(0);
    release();
    const again = await serve(data);
    const job = await waitFor(again, jobId, finished);
    expect(job).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(job.result.added + job.result.unchanged).toBe(6000);
    await again.stop();
  }, 120_000);

  test("cancel_job stops a running import at a checkpoint and keeps what it committed", async () => {
    const dir = join(roots, "cancel");
    generate(dir, 6000, 2000);
    const { server, jobId, held } = await serveHeld(join(work, "d-cancel"), dir);
    const canceled = await tool(server, "cancel_job", { job_id: jobId });
    expect(canceled.json.cancel_requested).toBe(true);
    // Still held: only the cancel can end this job now.
    const job = await waitFor(server, jobId, finished);
    expect(job.status).toBe("canceled");
    expect(job.progress.done).toBe(held.progress.done);
    expect(job.progress.done).toBeLessThan(6000);
    const stored = await tool(server, "list_files", { limit: 1000 });
    expect(stored.json.files).toHaveLength(held.progress.done);
    await server.stop();
  }, 120_000);

  test("the release build ignores the test-only hold: its import runs to the end", async () => {
    const dir = join(roots, "not-held");
    generate(dir, 5);
    const data = join(work, "d-not-held");
    writeFileSync(`${data}.hold`, "");
    const server = await startBinary(binary, ["--data", data, "--quiet", "--import-root", roots], {
      QUIVER_TOKEN: TOKEN,
      QUIVER_TEST_HOLD_JOBS: `${data}.hold`,
    });
    const started = await tool(server, "import_path", { path: dir });
    const job = await waitFor(server, started.json.job_id, finished, 30_000);
    expect(job).toMatchObject({ status: "succeeded", result: { added: 5 } });
    await server.stop();
  }, 60_000);

  test("a job that keeps failing is retried with backoff, then failed with its error", async () => {
    const data = join(work, "d-fail");
    // enqueued while no server runs: the queue is durable, the worker picks it up at start
    const services = openSqliteServices(loadConfig({ data, quiet: true }, {}));
    const job = services.jobs.enqueue(
      "import",
      { path: join(roots, "vanished") },
      { maxAttempts: 2 },
    );
    services.close();
    const server = await serve(data);
    const done = await waitFor(server, job.job_id, finished, 30_000);
    expect(done.status).toBe("failed");
    expect(done.attempts).toBe(2);
    expect(done.last_error).toContain("no such directory");
    await server.stop();
  }, 60_000);

  test("paths outside the import roots are refused; without roots the tool says how to enable it", async () => {
    const server = await serve(join(work, "d-roots"));
    const outside = await tool(server, "import_path", { path: work });
    expect(outside.status).toBe(403);
    expect(outside.json.error.code).toBe("outside_import_roots");
    const dotdot = await tool(server, "import_path", { path: join(roots, "..") });
    expect(dotdot.status).toBe(403);
    mkdirSync(join(work, "secret"), { recursive: true });
    writeFileSync(join(work, "secret", "passwords.txt"), "hunter2");
    symlinkSync(join(work, "secret"), join(roots, "escape"));
    const viaLink = await tool(server, "import_path", { path: join(roots, "escape") });
    expect(viaLink.status).toBe(403);
    await server.stop();

    const closed = await startBinary(binary, ["--data", join(work, "d-noroots"), "--quiet"], {
      QUIVER_TOKEN: TOKEN,
    });
    const refused = await tool(closed, "import_path", { path: roots });
    expect(refused.status).toBe(403);
    expect(refused.json.error.code).toBe("import_disabled");
    expect(refused.json.error.message).toContain("--import-root");
    await closed.stop();
  }, 60_000);

  test("symlinks inside an import root that point outside it are not followed", async () => {
    const dir = join(roots, "with-links");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "inside.md"), "inside text");
    mkdirSync(join(work, "outside-dir"), { recursive: true });
    writeFileSync(join(work, "outside-dir", "leak.md"), "outside text must not leak");
    writeFileSync(join(work, "outside.md"), "outside file must not leak");
    symlinkSync(join(work, "outside-dir"), join(dir, "linked-dir"));
    symlinkSync(join(work, "outside.md"), join(dir, "linked-file.md"));
    const server = await serve(join(work, "d-links"));
    const job = await waitFor(
      server,
      (await tool(server, "import_path", { path: dir })).json.job_id,
      finished,
    );
    expect(job.status).toBe("succeeded");
    const stored = await tool(server, "list_files", {});
    expect(stored.json.files.map((f: { path: string }) => f.path)).toEqual(["inside.md"]);
    expect((await tool(server, "search", { query: "leak" })).json.results).toEqual([]);
    await server.stop();
  }, 60_000);

  test("reindex rebuilds the search index as a job; search answers the same afterwards", async () => {
    const dir = join(roots, "reindex");
    generate(dir, 300);
    const data = join(work, "d-reindex");
    const server = await serve(data);
    await waitFor(server, (await tool(server, "import_path", { path: dir })).json.job_id, finished);
    const before = await tool(server, "search", { query: "zqx42marker", limit: 3 });
    const before_state = endState(data).length;
    const job = await waitFor(server, (await tool(server, "reindex", {})).json.job_id, finished);
    expect(job.status).toBe("succeeded");
    expect(job.result.files).toBe(300);
    const after = await tool(server, "search", { query: "zqx42marker", limit: 3 });
    expect(after.json.results.map((r: any) => r.path)).toEqual(
      before.json.results.map((r: any) => r.path),
    );
    expect(endState(data).length).toBe(before_state);
    await server.stop();
  }, 60_000);
});
