import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn, spawnSync } from "bun";
import { ON_DEMAND_POLL_MS } from "../src/jobs/supervisor.ts";
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

test("quiver mcp starts its job worker when a job is queued, not before", async () => {
  const proc = spawn([binary, "mcp", "--data", join(work, "data"), "--import-root", docs], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  const lines = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  /** Sends a tools/call and returns its result's JSON text, parsed. */
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
  try {
    // Answering a call shows it is up; a few polls later there is still no worker.
    expect(await call(1, "list_files", {})).toEqual({ files: [] });
    await Bun.sleep(ON_DEMAND_POLL_MS * 3);
    expect(workerOf(proc.pid)).toBe("");

    const started = await call(2, "import_path", { path: docs, prefix: "docs/" });
    expect(started.status).toBe("enqueued");
    let status = started.status;
    for (let id = 3; !["succeeded", "failed", "canceled"].includes(status); id++) {
      if (id > 400) throw new Error(`the import did not finish: ${status}`);
      await Bun.sleep(50);
      status = (await call(id, "job_status", { job_id: started.job_id })).status;
    }
    expect(status).toBe("succeeded");
    expect(workerOf(proc.pid)).not.toBe("");
    const listed = await call(1000, "list_files", { prefix: "docs/" });
    expect(listed.files.map((f: { path: string }) => f.path)).toEqual(["docs/a.md", "docs/b.md"]);
  } finally {
    proc.stdin.end();
    expect(await proc.exited).toBe(0);
  }
}, 60_000);
