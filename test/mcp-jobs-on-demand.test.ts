import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn, spawnSync } from "bun";
import { loadConfig } from "../src/config.ts";
import { ON_DEMAND_POLL_MS, startSupervisor } from "../src/jobs/supervisor.ts";
import { openSqliteServices } from "../src/services.ts";
import type { Jobs } from "../src/store/interfaces/jobs.ts";
import { buildBinary } from "./support/binary.ts";
import { tempDir } from "./support/services.ts";

// `quiver mcp` is launched by a client for every session and most sessions start no job:
// its job worker process starts only once a job is queued, and the job then runs.
let binary: string;
const work = tempDir("quiver-mcp-jobs-");
const docs = join(work, "docs");
beforeAll(() => {
  binary = buildBinary();
  mkdirSync(docs);
  writeFileSync(join(docs, "a.md"), "alpha notes\n");
  writeFileSync(join(docs, "b.md"), "beta notes\n");
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const workerOf = (pid: number) =>
  spawnSync(["pgrep", "-P", String(pid)])
    .stdout.toString()
    .trim();

/** `quiver mcp` on `data`, and a tools/call that returns its result's JSON text, parsed. */
function startMcp(data: string) {
  const proc = spawn([binary, "mcp", "--data", data, "--import-root", docs], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  const call = async (id: number, name: string, args: Record<string, unknown>) => {
    proc.stdin.write(
      `${JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } })}\n`,
    );
    proc.stdin.flush();
    for (;;) {
      const nl = pending.indexOf("\n");
      if (nl !== -1) {
        const message = JSON.parse(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
        if (message.id === id) return JSON.parse(message.result.content[0].text);
        continue;
      }
      const { value, done } = await lines.read();
      if (done) throw new Error("quiver mcp closed stdout");
      pending += value;
    }
  };
  /** Polls job_status until the job has finished; its final status. */
  const finished = async (jobId: string, firstId: number) => {
    for (let id = firstId; id < firstId + 400; id++) {
      const { status } = await call(id, "job_status", { job_id: jobId });
      if (["succeeded", "failed", "canceled"].includes(status)) return status;
      await Bun.sleep(50);
    }
    throw new Error(`job ${jobId} did not finish`);
  };
  const stop = async () => {
    proc.stdin.end();
    return await proc.exited;
  };
  return { proc, call, finished, stop };
}

test("quiver mcp starts its job worker when a job is queued, not before", async () => {
  const mcp = startMcp(join(work, "data"));
  try {
    // Answering a call shows it is up; a few polls later there is still no worker.
    expect(await mcp.call(1, "list_files", {})).toEqual({ files: [] });
    await Bun.sleep(ON_DEMAND_POLL_MS * 3);
    expect(workerOf(mcp.proc.pid)).toBe("");

    const started = await mcp.call(2, "import_path", { path: docs, prefix: "docs/" });
    expect(started.status).toBe("enqueued");
    expect(await mcp.finished(started.job_id, 3)).toBe("succeeded");
    expect(workerOf(mcp.proc.pid)).not.toBe("");
    const listed = await mcp.call(1000, "list_files", { prefix: "docs/" });
    expect(listed.files.map((f: { path: string }) => f.path)).toEqual(["docs/a.md", "docs/b.md"]);
  } finally {
    expect(await mcp.stop()).toBe(0);
  }
}, 60_000);

test("a job queued before quiver mcp started runs without any request asking", async () => {
  const data = join(work, "data-queued");
  const config = loadConfig({ data, "import-root": [docs], quiet: true });
  const services = openSqliteServices(config, { create: true });
  const job = await services.jobs.enqueue("import", { path: docs, prefix: "early/" });
  await services.close();
  const mcp = startMcp(data);
  try {
    expect(await mcp.finished(job.job_id, 1)).toBe("succeeded");
    const listed = await mcp.call(1000, "list_files", { prefix: "early/" });
    expect(listed.files).toHaveLength(2);
  } finally {
    expect(await mcp.stop()).toBe(0);
  }
}, 60_000);

test("a failed look for queued jobs is logged and looked for again, never thrown", async () => {
  // SQLite answers synchronously: a throw there would escape the timer and end the process.
  let looks = 0;
  const jobs = {
    requeueOrphaned: () => 0,
    list: () => {
      looks++;
      if (looks === 1) throw new Error("database is locked");
      return { jobs: [] };
    },
  } as unknown as Jobs;
  const config = loadConfig({ data: join(work, "unused"), quiet: true });
  const supervisor = startSupervisor(config, jobs, undefined, { onDemand: { pollMs: 10 } });
  try {
    await Bun.sleep(100);
    expect(looks).toBeGreaterThan(2);
    expect(supervisor.pid).toBeUndefined();
  } finally {
    await supervisor.stop();
  }
  const after = looks;
  await Bun.sleep(50);
  expect(looks).toBe(after); // stopped: no more looks
});
