import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawn, spawnSync } from "bun";
import { buildBinary, type Running, startBinary } from "./support/binary.ts";
import { STATIC_TOKEN, tempDir } from "./support/services.ts";
import { GOOD_TOOLS, writeTools } from "./support/user-tools.ts";

// Module tools through the real executable: `quiver serve --tools DIR`, `quiver tools`,
// `quiver mcp --tools DIR`. The tool files import "quiver", which only the binary provides.
let binary: string;
let server: Running;
let readToken: string;
const work = tempDir("quiver-usertools-");
const toolsDir = join(work, "tools");
const dataDir = join(work, "data");

const run = (args: string[]) => {
  const res = spawnSync([binary, ...args], {
    cwd: work,
    env: { PATH: process.env.PATH!, QUIVER_TOKEN: STATIC_TOKEN },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: res.exitCode, out: res.stdout.toString(), err: res.stderr.toString() };
};

const post = (path: string, body: unknown, token = STATIC_TOKEN) =>
  postTo(server, path, body, token);
async function postTo(target: Running, path: string, body: unknown, token = STATIC_TOKEN) {
  const res = await fetch(`${target.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as any };
}
const toolNames = async (token = STATIC_TOKEN, target = server) => {
  const res = await fetch(`${target.url}/tools`, { headers: { authorization: `Bearer ${token}` } });
  return ((await res.json()) as any).tools.map((t: { name: string }) => t.name) as string[];
};

const A_TXT = "one two  three\nfour";

beforeAll(async () => {
  binary = buildBinary();
  writeTools(toolsDir, GOOD_TOOLS);
  server = await startBinary(
    binary,
    ["--data", dataDir, "--tools", toolsDir, "--tool-timeout", "1"],
    { QUIVER_TOKEN: STATIC_TOKEN, NODE_ENV: "production" },
    work,
  );
  const created = run([
    "token",
    "create",
    "--name",
    "reader",
    "--scope",
    "read",
    "--data",
    dataDir,
  ]);
  expect(created.code).toBe(0);
  readToken = created.out.trim().split("\n").at(-1)!;
  // The file several tests count the words of (4), there whichever test runs first.
  await post("/tools/write_file", { path: "a.txt", content: A_TXT });
});
afterAll(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("module tools in the binary", () => {
  test("listed by GET /tools after the built-in tools, only those the token may call", async () => {
    const names = await toolNames();
    expect(names.slice(0, 3)).toEqual(["search", "read_file", "list_files"]);
    for (const name of ["word_count", "echo_plain", "save_note", "boom", "spin", "admin_only"])
      expect(names).toContain(name);
    const reader = await toolNames(readToken);
    expect(reader).toContain("word_count");
    expect(reader).not.toContain("admin_only");
    expect(reader).not.toContain("write_file");
  });

  test("typed route and /tools/call run a tool that reads the store through ctx", async () => {
    expect((await post("/tools/write_file", { path: "a.txt", content: A_TXT })).status).toBe(200);
    const typed = await post("/tools/word_count", { path: "a.txt" }, readToken);
    expect(typed).toMatchObject({ status: 200, json: { words: 4 } });
    const viaCall = await post("/tools/call", {
      name: "word_count",
      parameters: { path: "a.txt" },
    });
    expect(viaCall.json).toEqual({ words: 4 });
    // What the store says about a missing file reaches the caller unchanged.
    const missing = await post("/tools/word_count", { path: "nope.txt" });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe("file_not_found");
  });

  test("a plain JSON Schema input is validated, with its defaults filled in", async () => {
    const ok = await post("/tools/echo_plain", { say: "hi" }, readToken);
    expect(ok.json).toEqual({ said: "hi", caller: "read" });
    const twice = await post("/tools/echo_plain", { say: "hi", times: 2 });
    expect(twice.json.said).toBe("hihi");
    const long = await post("/tools/echo_plain", { say: "far too long to say" });
    expect(long.status).toBe(400);
    expect(long.json.error).toMatchObject({ code: "invalid_parameters" });
    expect(long.json.error.message).toContain("parameters.say");
    const extra = await post("/tools/echo_plain", { say: "hi", loud: true });
    expect(extra.status).toBe(400);
  });

  test("ctx.files.writeText runs with the caller's scope, not the tool's", async () => {
    const denied = await post("/tools/save_note", { name: "x", text: "hello" }, readToken);
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe("insufficient_scope");
    const saved = await post("/tools/save_note", { name: "x", text: "hello" });
    expect(saved).toMatchObject({ status: 200, json: { path: "notes/x.md", size: 5 } });
    const read = await post("/tools/read_file", { path: "notes/x.md" });
    expect(read.json.content).toBe("hello");
    const deadline = Date.now() + 5_000;
    while (!server.stderr().includes('"msg":"saving a note"') && Date.now() < deadline)
      await Bun.sleep(20);
    expect(server.stderr()).toContain('"msg":"saving a note"');
  });

  test("a tool's own scope is checked before it runs", async () => {
    const res = await post("/tools/admin_only", {}, readToken);
    expect(res.status).toBe(403);
    expect((await post("/tools/admin_only", {})).json).toEqual({ ok: true });
  });

  test("a tool that throws is a tool error (422, its message), logged with its file", async () => {
    const res = await post("/tools/boom", {});
    expect(res.status).toBe(422);
    expect(res.json.error).toEqual({ code: "tool_error", message: 'tool "boom" failed: kaboom' });
    // The log line arrives on the server's stderr pipe in its own time.
    const file = join(toolsDir, "trouble.ts");
    const deadline = Date.now() + 5_000;
    while (!server.stderr().includes(file) && Date.now() < deadline) await Bun.sleep(20);
    expect(server.stderr()).toContain(file);
    const chosen = await post("/tools/no_such_customer", {});
    expect(chosen.status).toBe(404);
    expect(chosen.json.error).toEqual({ code: "customer_not_found", message: "no customer 42" });
  });

  test("a tool that never returns answers 504 at the timeout; everyone else is served meanwhile", async () => {
    // A stuck worker is replaced: until the new one is up the directory's tools answer 503
    // with Retry-After, then they answer again.
    const untilServedAgain = async () => {
      const deadline = Date.now() + 10_000;
      let again = await post("/tools/word_count", { path: "a.txt" });
      while (again.status === 503 && Date.now() < deadline) {
        expect(again.headers.get("retry-after")).toBe("1");
        await Bun.sleep(50);
        again = await post("/tools/word_count", { path: "a.txt" });
      }
      expect(again.json).toEqual({ words: 4 });
    };
    for (const name of ["wait_forever", "spin"]) {
      const hung = post(`/tools/${name}`, {});
      // While the worker is stuck in a loop the server thread still answers.
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect((await post("/tools/list_files", {})).status).toBe(200);
      const res = await hung;
      expect(res.status).toBe(504);
      expect(res.json.error.code).toBe("tool_timeout");
      // The next call must meet a working worker, not the one being replaced (on a loaded
      // machine the replacement can take longer than the call takes to arrive).
      await untilServedAgain();
    }
  });

  test("MCP over HTTP, both eras: listed and called", async () => {
    const mcp = async (body: object, headers: Record<string, string> = {}) => {
      const res = await fetch(`${server.url}/mcp`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${STATIC_TOKEN}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          ...headers,
        },
        body: JSON.stringify(body),
      });
      return (await res.json()) as any;
    };
    const list = await mcp({ jsonrpc: "2.0", id: 1, method: "tools/list" });
    const listed = list.result.tools.find((t: { name: string }) => t.name === "word_count");
    expect(listed.inputSchema).toMatchObject({ type: "object", required: ["path"] });
    expect(listed.outputSchema).toMatchObject({ type: "object" });
    const legacy = await mcp({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "word_count", arguments: { path: "a.txt" } },
    });
    expect(legacy.result.structuredContent).toEqual({ words: 4 });
    const meta = {
      "io.modelcontextprotocol/protocolVersion": "2026-07-28",
      "io.modelcontextprotocol/clientCapabilities": {},
    };
    const modern = await mcp(
      {
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "boom", arguments: {}, _meta: meta },
      },
      { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "boom" },
    );
    expect(modern.result.isError).toBe(true);
    expect(modern.result.content[0].text).toContain("kaboom");
  });
});

describe("quiver mcp --tools (stdio)", () => {
  test("lists and calls a module tool", async () => {
    const proc = spawn([binary, "mcp", "--data", dataDir, "--tools", toolsDir], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH: process.env.PATH! },
    });
    const send = (m: object) => proc.stdin.write(`${JSON.stringify(m)}\n`);
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "t", version: "1" },
      },
    });
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    send({
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "echo_plain", arguments: { say: "yo" } },
    });
    proc.stdin.end();
    expect(await proc.exited).toBe(0);
    const byId = new Map(
      (await new Response(proc.stdout).text())
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l))
        .map((m) => [m.id, m]),
    );
    expect(byId.get(2).result.tools.map((t: { name: string }) => t.name)).toContain("echo_plain");
    expect(JSON.parse(byId.get(3).result.content[0].text)).toEqual({ said: "yo", caller: "admin" });
  });
});

describe("start-up errors and quiver tools", () => {
  const startupError = (files: Record<string, string>) => {
    const dir = writeTools(tempDir("quiver-badtools-"), files);
    try {
      const res = run(["serve", "--port", "0", "--data", join(dir, "data"), "--tools", dir]);
      expect(res.code).toBe(1);
      const lines = res.err.trim().split("\n");
      return { line: lines.at(-1)!, dir };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const tool = (name: string) =>
    `export default { name: "${name}", description: "d", scope: "read", input: { type: "object" }, run() {} };\n`;

  test("quiver tools --tools DIR lists the user's tools with the built-in ones", () => {
    const res = run(["tools", "--tools", toolsDir]);
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/^word_count\s+\[read\]\s+Counts the words of a stored text file\.$/m);
    expect(res.out).toMatch(/^search\s+\[read\]/m);
    const json = JSON.parse(run(["tools", "--json", "--tools", toolsDir]).out);
    expect(
      json.tools.find((t: { name: string }) => t.name === "echo_plain").input_schema,
    ).toMatchObject({
      properties: { say: { type: "string", maxLength: 10 } },
    });
  });

  test("a syntax error names the file and line", () => {
    const { line, dir } = startupError({
      "broken.ts": `import { defineTool } from "quiver";\nexport default defineTool({ name: "x"\n  input: 1 });\n`,
    });
    expect(line).toStartWith(`quiver: cannot load a user tool: ${join(dir, "broken.ts")}:3:`);
  });

  test("a name used by a built-in tool or by two files names both", () => {
    const builtin = startupError({ "mine.ts": tool("search") });
    expect(builtin.line).toBe(
      `quiver: two tools are named "search": one in the built-in tools, one in ${join(builtin.dir, "mine.ts")}; rename one`,
    );
    const twice = startupError({ "a.ts": tool("dup"), "b.js": tool("dup") });
    expect(twice.line).toBe(
      `quiver: two tools are named "dup": one in ${join(twice.dir, "a.ts")}, one in ${join(twice.dir, "b.js")}; rename one`,
    );
  });

  test("a file that is not a tool says what is missing", () => {
    const { line, dir } = startupError({ "x.ts": "export const nothing = 1;\n" });
    expect(line).toBe(
      `quiver: cannot load a user tool: ${join(dir, "x.ts")}: no default export; write \`export default defineTool({...})\``,
    );
    const schema = startupError({
      "y.js": `export default { name: "y", description: "d", scope: "read", input: { type: "object", properties: { a: { allOf: [] } } }, run() {} };\n`,
    });
    expect(schema.line).toContain('JSON Schema keyword "allOf" is not supported');
  });
});

describe("reload", () => {
  test("SIGHUP loads a new file and keeps serving; a broken file leaves the old tools", async () => {
    // A server of its own: the files this test adds and breaks are not the other tests'.
    const dir = writeTools(tempDir("quiver-reload-"), GOOD_TOOLS);
    const own = await startBinary(
      binary,
      ["--data", join(dir, "data"), "--tools", dir],
      { QUIVER_TOKEN: STATIC_TOKEN, NODE_ENV: "production" },
      work,
    );
    try {
      await postTo(own, "/tools/write_file", { path: "a.txt", content: A_TXT });
      writeFileSync(
        join(dir, "later.ts"),
        `export default { name: "added_later", description: "Added later.", scope: "read", input: { type: "object" }, run: () => ({ v: "new" }) };\n`,
      );
      own.proc.kill("SIGHUP");
      const deadline = Date.now() + 10_000;
      while (!(await toolNames(STATIC_TOKEN, own)).includes("added_later") && Date.now() < deadline)
        await Bun.sleep(50);
      expect((await postTo(own, "/tools/added_later", {})).json).toEqual({ v: "new" });
      expect((await postTo(own, "/tools/word_count", { path: "a.txt" })).json).toEqual({
        words: 4,
      });

      writeFileSync(join(dir, "later.ts"), "export default {\n");
      const before = own.stderr().length;
      own.proc.kill("SIGHUP");
      while (
        !own.stderr().slice(before).includes("user tools not reloaded") &&
        Date.now() < deadline
      )
        await Bun.sleep(50);
      expect(own.stderr().slice(before)).toContain(join(dir, "later.ts"));
      expect((await postTo(own, "/tools/added_later", {})).json).toEqual({ v: "new" });
    } finally {
      await own.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("reload over stdio MCP", () => {
  test("SIGHUP sends notifications/tools/list_changed, and tools/list shows the new tool", async () => {
    const dir = writeTools(tempDir("quiver-hup-"), { "echo.js": GOOD_TOOLS["echo.js"]! });
    const proc = spawn([binary, "mcp", "--data", join(dir, "data"), "--tools", dir], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH: process.env.PATH! },
    });
    const lines: any[] = [];
    (async () => {
      let buffered = "";
      for await (const chunk of proc.stdout) {
        buffered += new TextDecoder().decode(chunk);
        const parts = buffered.split("\n");
        buffered = parts.pop()!;
        for (const part of parts) if (part.trim()) lines.push(JSON.parse(part));
      }
    })();
    const waitFor = async (match: (m: any) => boolean) => {
      const deadline = Date.now() + 10_000;
      while (!lines.some(match) && Date.now() < deadline) await Bun.sleep(20);
      return lines.find(match);
    };
    const send = (m: object) => proc.stdin.write(`${JSON.stringify(m)}\n`);
    try {
      send({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "t", version: "1" },
        },
      });
      expect(await waitFor((m) => m.id === 1)).toBeDefined();
      send({ jsonrpc: "2.0", method: "notifications/initialized" });
      writeFileSync(
        join(dir, "later.js"),
        `export default { name: "hup_tool", description: "After SIGHUP.", scope: "read", input: { type: "object" }, run: () => ({ ok: 1 }) };\n`,
      );
      proc.kill("SIGHUP");
      expect(await waitFor((m) => m.method === "notifications/tools/list_changed")).toBeDefined();
      send({ jsonrpc: "2.0", id: 2, method: "tools/list" });
      const list = await waitFor((m) => m.id === 2);
      expect(list.result.tools.map((t: { name: string }) => t.name)).toContain("hup_tool");
    } finally {
      proc.stdin.end();
      await proc.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
