import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { QuiverError } from "../src/errors.ts";
import type { AnyTool, ToolContext } from "../src/tools/define.ts";
import { ToolHost } from "../src/user-tools/host.ts";
import { MAX_RESULT_CHARS } from "../src/user-tools/protocol.ts";
import { tempDir, testServer } from "./support/services.ts";
import { writeTools } from "./support/user-tools.ts";

// One tools worker driven directly (from source), the way the pipeline drives it: what a
// call's signal, deadline and result bounds do on the other side of the worker hop.
const work = tempDir("quiver-uthost-");
const markers = join(work, "markers");
const dir = writeTools(join(work, "tools"), {
  "host.ts": `import { mkdirSync, writeFileSync } from "node:fs";
import { defineTool, t } from "quiver";
const mark = (name: string, what: string) => {
  mkdirSync(${JSON.stringify(markers)}, { recursive: true });
  writeFileSync(${JSON.stringify(markers)} + "/" + name, what);
};
export default [
  defineTool({
    name: "echo", description: "Echoes.", scope: "read",
    input: t.Object({ n: t.Integer() }),
    run: ({ n }) => ({ n }),
  }),
  defineTool({
    name: "until_aborted", description: "Waits for its signal; marks why it fired.", scope: "read",
    input: t.Object({ mark: t.String() }),
    run: ({ mark: name }, ctx) => new Promise(() => {
      ctx.signal.addEventListener("abort", () => {
        const reason = ctx.signal.reason as { code?: string; message?: string };
        mark(name, String(reason.code ?? reason.message));
      });
    }),
  }),
  defineTool({
    name: "destructures", description: "Uses ctx in pieces.", scope: "read",
    input: t.Object({}),
    async run(_, { caller, files, log, progress, signal }) {
      const { readText, list } = files;
      log.info("reading");
      progress(1, 2);
      const listed = await list();
      const missing = await readText("nope.txt").catch((e: { code: string }) => e.code);
      return { scope: caller.scope, aborted: signal.aborted, listed: listed.files.length, missing };
    },
  }),
  defineTool({
    name: "wait_forever", description: "Never settles, never reads its signal.", scope: "read",
    input: t.Object({}),
    run: () => new Promise(() => {}),
  }),
  defineTool({
    name: "wrong_shape", description: "Breaks its own output schema.", scope: "read",
    input: t.Object({}),
    output: t.Object({ words: t.Integer() }),
    run: () => ({ words: "many" }),
  }),
  defineTool({
    name: "huge", description: "Returns more than a result may hold.", scope: "read",
    input: t.Object({}),
    run: () => "x".repeat(${MAX_RESULT_CHARS}),
  }),
];
`,
});

let host: ToolHost;
const server = testServer();
beforeAll(async () => {
  host = await ToolHost.start(dir, [join(dir, "host.ts")]);
});
afterAll(() => {
  host?.close();
  server.close();
  rmSync(work, { recursive: true, force: true });
});

const tool = (name: string) => host.tools.find((t) => t.name === name) as AnyTool;
function context(timeoutMs: number, signal = new AbortController().signal): ToolContext {
  return {
    ...server.services,
    caller: { id: "t", name: "tester", scope: "admin" },
    deadline: performance.now() + timeoutMs,
    signal,
    config: { ...server.config, toolTimeoutMs: timeoutMs },
  };
}
const call = (name: string, args: unknown, ctx = context(30_000)) =>
  tool(name).run(args as never, ctx) as Promise<unknown>;
const failure = (p: Promise<unknown>) =>
  p.then(
    (v) => {
      throw new Error(`expected a failure, got ${JSON.stringify(v)}`);
    },
    (e: QuiverError) => ({ status: e.status, code: e.code }),
  );
async function markerOf(name: string): Promise<string> {
  const file = join(markers, name);
  for (let tries = 0; tries < 400 && !existsSync(file); tries++) await Bun.sleep(25);
  return readFileSync(file, "utf8");
}

describe("a tools worker, driven as the pipeline does", () => {
  test("calls sent together each get their own answer", async () => {
    const results = await Promise.all(Array.from({ length: 200 }, (_, n) => call("echo", { n })));
    expect(results).toEqual(Array.from({ length: 200 }, (_, n) => ({ n })));
  });

  test("ctx works taken apart, and arguments left out stay left out", async () => {
    const progress: unknown[] = [];
    const ctx = { ...context(30_000), progress: (...p: unknown[]) => progress.push(p) };
    expect(await call("destructures", {}, ctx)).toEqual({
      scope: "admin",
      aborted: false,
      listed: 0,
      missing: "file_not_found",
    });
    expect(progress).toEqual([[1, 2, undefined]]);
  });

  test("the client going away fires the tool's signal in the worker and answers 499 at once", async () => {
    const client = new AbortController();
    const answer = failure(
      call("until_aborted", { mark: "client" }, context(30_000, client.signal)),
    );
    // The tool must have read its signal before the client goes: wait for its first answer.
    await call("echo", { n: 1 });
    client.abort(new QuiverError(499, "client_closed", "gone"));
    // The tool never settles: the answer comes from the host, not at the 30 s deadline.
    expect(await answer).toEqual({ status: 499, code: "client_closed" });
    expect(await markerOf("client")).toBe("client_closed");
  });

  test("the timeout fires the tool's signal in the worker and answers 504", async () => {
    const answer = failure(call("until_aborted", { mark: "timeout" }, context(200)));
    expect(await answer).toEqual({ status: 504, code: "tool_timeout" });
    expect(["tool_timeout", "tool timeout"]).toContain(await markerOf("timeout"));
  });

  test("calls in flight together each time out at their own deadline", async () => {
    const [early, late] = [context(100), context(400)];
    const answers = [
      failure(call("wait_forever", {}, early)),
      failure(call("wait_forever", {}, late)),
    ];
    const lateSettled = answers[1]!.then(() => performance.now());
    // Meanwhile the worker answers everyone else.
    expect(await call("echo", { n: 7 })).toEqual({ n: 7 });
    expect(await Promise.all(answers)).toEqual([
      { status: 504, code: "tool_timeout" },
      { status: 504, code: "tool_timeout" },
    ]);
    // The later call was not answered before its own deadline.
    expect(await lateSettled).toBeGreaterThanOrEqual(late.deadline);
    expect(await call("echo", { n: 8 })).toEqual({ n: 8 });
  });

  test("a result that breaks the tool's output schema is 422 tool_output_invalid", async () => {
    expect(await failure(call("wrong_shape", {}))).toEqual({
      status: 422,
      code: "tool_output_invalid",
    });
  });

  test("a result over the size bound is 422 result_too_large, and the worker goes on", async () => {
    expect(await failure(call("huge", {}))).toEqual({ status: 422, code: "result_too_large" });
    expect(await call("echo", { n: 2 })).toEqual({ n: 2 });
  });
});
