import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { jobKinds } from "../src/jobs/registry.ts";
import { runOneJob } from "../src/jobs/worker.ts";
import { handleMessage, type McpCall } from "../src/mcp/protocol.ts";
import { TASK_POLL_MS, taskOf } from "../src/mcp/tasks.ts";
import type { JobView } from "../src/store/jobs.ts";
import { MODERN } from "./mcp-support.ts";
import { type TestServer, tempDir, testServer } from "./support/services.ts";

// The tasks extension over jobs: import_path and reindex answer a task (id = job id) to a
// 2026-07-28 client that declares io.modelcontextprotocol/tasks; tasks/get follows the
// job; tasks/cancel cancels it. Without the extension the tools answer as always.

const TASKS = { "io.modelcontextprotocol/tasks": {} };
const meta = (extensions?: Record<string, unknown>) => ({
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": extensions ? { extensions } : {},
});
const as = (scope: "read" | "write" | "admin"): McpCall => ({
  caller: { id: scope, name: scope, scope },
});
const modern = (id: number, method: string, params: Record<string, unknown>, ext = TASKS) => ({
  jsonrpc: "2.0",
  id,
  method,
  params: { ...params, _meta: meta(ext) },
});

let server: TestServer;
let root: string;
const call = async (body: unknown, c = as("admin")) =>
  (await handleMessage(body, c, server.services)) as any;
const importCall = (id: number, ext?: Record<string, unknown>) =>
  modern(
    id,
    "tools/call",
    { name: "import_path", arguments: { path: root, prefix: "t/" } },
    ext as never,
  );

beforeAll(() => {
  root = tempDir("quiver-tasks-");
  mkdirSync(join(root, "d"));
  writeFileSync(join(root, "d", "a.md"), "# A\n");
});
// A fresh store for every test: runOneJob takes whichever job is due, and other tests
// leave jobs enqueued.
beforeEach(() => {
  server = testServer({ importRoots: [root] });
});
afterEach(() => server.close());
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("tools that start jobs answer tasks when the client declares the extension", () => {
  test("import_path: a task (id = job id) that tasks/get follows to completed with the job's result", async () => {
    const created = await call(importCall(1, TASKS));
    expect(created.result).toMatchObject({
      resultType: "task",
      status: "working",
      pollIntervalMs: TASK_POLL_MS,
    });
    const { taskId } = created.result;
    expect(server.services.jobs.get(taskId)?.kind).toBe("import");
    expect(typeof created.result.ttlMs).toBe("number");
    expect(Date.parse(created.result.createdAt)).not.toBeNaN();

    const polled = await call(modern(2, "tasks/get", { taskId }));
    expect(polled.result).toMatchObject({ resultType: "complete", taskId, status: "working" });

    expect(await runOneJob(server.services, { kinds: jobKinds })).toBe(taskId);
    const done = await call(modern(3, "tasks/get", { taskId }));
    expect(done.result.status).toBe("completed");
    const summary = JSON.parse(done.result.result.content[0].text);
    expect(summary.added).toBe(1);
    expect(server.services.files.get("t/d/a.md")).toBeDefined();
  });

  test("reindex too; tasks/cancel of a waiting job cancels it", async () => {
    const created = await call(modern(1, "tools/call", { name: "reindex", arguments: {} }));
    expect(created.result.resultType).toBe("task");
    const { taskId } = created.result;
    expect((await call(modern(2, "tasks/cancel", { taskId }))).result).toEqual({
      resultType: "complete",
    });
    expect((await call(modern(3, "tasks/get", { taskId }))).result.status).toBe("cancelled");
    // Cancelling a finished task is acknowledged, and it stays as it ended.
    expect((await call(modern(4, "tasks/cancel", { taskId }))).result).toBeDefined();
  });

  test("without the extension, and for 2025 clients, the tools answer as always", async () => {
    const plain = await call(importCall(1, {}));
    expect(plain.result.resultType).toBe("complete");
    expect(JSON.parse(plain.result.content[0].text).status).toBe("enqueued");
    const legacy = await call({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "import_path", arguments: { path: root } },
    });
    expect(legacy.result.resultType).toBeUndefined();
    expect(JSON.parse(legacy.result.content[0].text).job_id).toBeString();
    expect(
      (await call({ jsonrpc: "2.0", id: 3, method: "tasks/get", params: { taskId: "x" } })).error
        .code,
    ).toBe(-32601);
    // Other tools never become tasks.
    const listed = await call(
      modern(4, "tools/call", { name: "list_files", arguments: {} }, TASKS),
    );
    expect(listed.result.resultType).toBe("complete");
  });

  test("unknown tasks are -32602; cancelling needs the write scope", async () => {
    for (const method of ["tasks/get", "tasks/cancel", "tasks/update"]) {
      const res = await call(modern(1, method, { taskId: "job_nope" }));
      expect(res.error.code).toBe(-32602);
      expect((await call(modern(2, method, {}))).error.code).toBe(-32602);
    }
    const { taskId } = (await call(importCall(3, TASKS))).result;
    expect((await call(modern(4, "tasks/get", { taskId }), as("read"))).result.taskId).toBe(taskId);
    const refused = await call(modern(5, "tasks/cancel", { taskId }), as("read"));
    expect(refused.error.message).toContain('needs a token with scope "write"');
  });
});

test("job statuses map onto task statuses; a failed job is a completed call with isError", () => {
  const job: JobView = {
    job_id: "job_1",
    kind: "import",
    status: "running",
    params: {},
    progress: { done: 3, total: 10, message: "d/a.md" },
    attempts: 1,
    max_attempts: 3,
    cancel_requested: false,
    created_at: "2026-12-01T10:00:00.000Z",
    started_at: "2026-12-01T10:00:01.000Z",
  };
  expect(taskOf(job, 1000)).toMatchObject({
    status: "working",
    statusMessage: "3 of 10 done: d/a.md",
  });
  expect(taskOf({ ...job, status: "enqueued" }, 1000).status).toBe("working");
  const failed = taskOf(
    {
      ...job,
      status: "failed",
      last_error: "disk on fire",
      finished_at: "2026-12-01T10:00:05.000Z",
    },
    1000,
  );
  expect(failed).toMatchObject({
    status: "completed",
    ttlMs: 6000,
    lastUpdatedAt: "2026-12-01T10:00:05.000Z",
    result: { isError: true, content: [{ type: "text", text: "import job failed: disk on fire" }] },
  });
  expect(taskOf({ ...job, status: "canceled" }, 1000).status).toBe("cancelled");
});
