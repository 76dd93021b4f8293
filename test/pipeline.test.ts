import { afterAll, describe, expect, test } from "bun:test";
import { QuiverError } from "../src/errors.ts";
import { FileStore } from "../src/store/files.ts";
import { defineTool, type Services } from "../src/tools/define.ts";
import { callTool } from "../src/tools/pipeline.ts";
import { builtinTools, ToolRegistry } from "../src/tools/registry.ts";
import { t } from "../src/tools/schema.ts";
import { mcpRequest } from "./mcp-support.ts";
import { request, testServer } from "./support/services.ts";

// The one path every tool call takes (src/tools/pipeline.ts), called directly and through
// the transports.
const server = testServer({ toolTimeoutMs: 50 });
afterAll(() => server.close());
const admin = { id: "t", name: "t", scope: "admin" as const };

const waitsForSignal = defineTool({
  name: "waits_for_signal",
  description: "Waits until its signal fires, then fails with the signal's reason.",
  input: t.Object({}),
  scope: "read",
  run: (_args, { signal }) =>
    new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
});
const wrongShape = defineTool({
  name: "wrong_shape",
  description: "Declares an output schema and returns something else.",
  input: t.Object({}),
  output: t.Object({ count: t.Integer() }),
  scope: "read",
  run: () => ({ count: "three" }) as never,
});
const deadlineOf = defineTool({
  name: "deadline_of",
  description: "A synchronous tool: returns its deadline.",
  input: t.Object({}),
  scope: "read",
  run: (_args, { deadline }) => ({ deadline }),
});
/** Keeps time itself (as the user-tools host does) and answers after the 50 ms timeout. */
const keepsOwnTime = defineTool({
  name: "keeps_own_time",
  description: "Settles by its deadline itself; this one answers a little after it.",
  input: t.Object({}),
  scope: "read",
  settlesByDeadline: true,
  run: (_args, { deadline }) =>
    new Promise((resolve) =>
      setTimeout(() => resolve({ late: true }), deadline - performance.now() + 30),
    ),
});
const stubs: Services = {
  ...server.services,
  tools: new ToolRegistry([waitsForSignal, wrongShape, deadlineOf, keepsOwnTime]),
};

describe("one signal: tool timeout or client gone", () => {
  test("at the tool timeout the signal fires and the call answers 504 tool_timeout", async () => {
    const err = await callTool(stubs, { name: "waits_for_signal", caller: admin }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(QuiverError);
    expect(err).toMatchObject({ status: 504, code: "tool_timeout" });
  });

  test("when the client goes away the signal fires with a 499", async () => {
    const client = new AbortController();
    const pending = callTool(stubs, {
      name: "waits_for_signal",
      caller: admin,
      clientSignal: () => client.signal,
    });
    client.abort();
    expect(await pending.catch((e: unknown) => e)).toMatchObject({
      status: 499,
      code: "client_closed",
    });
  });

  test("a tool that settles by its deadline itself gets no second timer: its answer stands", async () => {
    // Without the flag the pipeline's own timer would answer 504 at 50 ms.
    expect(await callTool(stubs, { name: "keeps_own_time", caller: admin })).toEqual({
      late: true,
    });
  });

  test("a synchronous tool gets the deadline it must keep (no timer can stop it)", async () => {
    // The tool timeout (50 ms) from when the call started: between the two clock readings
    // taken around it, however long the call took.
    const before = performance.now();
    const { deadline } = (await callTool(stubs, { name: "deadline_of", caller: admin })) as {
      deadline: number;
    };
    const after = performance.now();
    expect(deadline).toBeGreaterThanOrEqual(before + 50);
    expect(deadline).toBeLessThanOrEqual(after + 50);
  });
});

test("a write that times out does not take effect afterwards: no file, no stray blob", async () => {
  // The store's put is held back until the call has answered 504, as a slow disk would.
  const real = server.services.files;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let settled: Promise<unknown> | undefined;
  const files = Object.create(real) as FileStore;
  files.put = (...args) => {
    const put = gate.then(() => FileStore.prototype.put.apply(real, args));
    settled = put.catch((e: unknown) => e);
    return put;
  };
  const err = await callTool(
    { ...server.services, files },
    { name: "write_file", caller: admin, params: { path: "late.txt", content: "too late" } },
  ).catch((e: unknown) => e);
  expect(err).toMatchObject({ status: 504, code: "tool_timeout" });
  release();
  expect(await settled).toMatchObject({ code: "tool_timeout" });
  expect(real.get("late.txt")).toBeUndefined();
  expect((await request(server, "/files/late.txt")).status).toBe(404);
  const report = await real.check({ repair: false });
  expect(report.orphan_blobs).toBe(0);
});

describe("output schemas are checked on every transport", () => {
  const handle = (r: Request) => server.handle(r);
  test("REST: a result that breaks its declared schema is a 500, not passed on", async () => {
    const { createHandler } = await import("../src/server/handler.ts");
    const rest = createHandler({ ...server.services, tools: stubs.tools }, { log: () => {} });
    const res = await rest(
      new Request("http://localhost/tools/wrong_shape", {
        method: "POST",
        headers: {
          authorization: `Bearer ${server.tokens.read}`,
          "content-type": "application/json",
        },
        body: "{}",
      }),
    );
    expect(res.status).toBe(500);
    const body = (await res.json()) as any;
    expect(body.error.code).toBe("internal_error");
    expect(JSON.stringify(body)).not.toContain("three");
    const mcp = await rest(
      mcpRequest({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "wrong_shape" } }),
    );
    const answer = (await mcp.json()) as any;
    expect(answer.result.isError).toBe(true);
    expect(answer.result.structuredContent).toBeUndefined();
    expect(answer.result.content[0].text).toContain("does not match its output schema");
  });

  test("the built-in registry serves the same result over REST and MCP", async () => {
    const rest = await request(server, "/tools/list_files", { body: { limit: 1 } });
    const mcp = await handle(
      mcpRequest({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "list_files", arguments: { limit: 1 } },
      }),
    );
    const answer = (await mcp.json()) as any;
    expect(JSON.parse(answer.result.content[0].text)).toEqual(rest.json);
    expect(builtinTools.names).toContain("list_files");
  });
});

test("the same search over REST and /mcp: one pass through auth, the pipeline, the tool and the store, the same answer", async () => {
  const s = testServer();
  await s.services.files.put("notes/otter.md", [
    new TextEncoder().encode("# Otters\n\notters hold hands\n"),
  ]);
  const runs: unknown[] = [];
  const searches: unknown[] = [];
  const search = builtinTools.tools.find((tool) => tool.name === "search")!;
  const index = Object.create(s.services.index) as typeof s.services.index;
  // The search tool runs its query on the search thread (searchAsync); the timeout it
  // passes is what is left of the call's deadline, so it is not part of the comparison.
  index.searchAsync = (query, opts, timeoutMs) => {
    searches.push([query, opts]);
    return s.services.index.searchAsync(query, opts, timeoutMs);
  };
  const { createHandler } = await import("../src/server/handler.ts");
  const logs: Record<string, unknown>[] = [];
  const handle = createHandler(
    {
      ...s.services,
      index,
      tools: new ToolRegistry([
        {
          ...search,
          run: (args, ctx) => {
            runs.push(args);
            return search.run(args, ctx);
          },
        },
      ]),
    },
    { log: (line) => logs.push(line) },
  );
  const params = { query: "otters", limit: 3 };
  const auth = { authorization: `Bearer ${s.tokens.read}`, "content-type": "application/json" };
  const rest = await handle(
    new Request("http://localhost/tools/search", {
      method: "POST",
      headers: auth,
      body: JSON.stringify(params),
    }),
  );
  const restBody = await rest.json();
  expect(runs.length).toBe(1);
  expect(searches.length).toBe(1);
  const mcp = await handle(
    mcpRequest(
      {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "search", arguments: params },
      },
      { authorization: auth.authorization },
    ),
  );
  const mcpBody = (await mcp.json()) as any;
  expect(runs).toEqual([runs[0], runs[0]]);
  expect(runs[0]).toMatchObject(params);
  expect(searches).toEqual([searches[0], searches[0]]);
  expect(JSON.parse(mcpBody.result.content[0].text)).toEqual(restBody);
  expect((restBody as any).results[0].path).toBe("notes/otter.md");
  expect(logs.map((l) => [l.path, l.status, l.tool, l.token])).toEqual([
    ["/tools/search", 200, "search", "reader"],
    ["/mcp", 200, "search", "reader"],
  ]);
  s.close();
});
