import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { buildBinary, type Running, startBinary } from "./support/binary.ts";
import { STATIC_TOKEN, tempDir } from "./support/services.ts";

// Declarative tools (--tools-config quiver.toml) through the real executable: command
// tools run real programs, HTTP tools call a small Bun.serve in this test.
let binary: string;
let server: Running;
const work = tempDir("quiver-cfgtools-");
const seen: { auth: string | null; body: string; url: string }[] = [];
const upstream = Bun.serve({
  port: 0,
  async fetch(req) {
    const url = new URL(req.url);
    seen.push({
      auth: req.headers.get("authorization"),
      body: await req.text(),
      url: url.pathname + url.search,
    });
    if (url.pathname === "/big") return new Response("x".repeat(10_000));
    if (url.pathname.startsWith("/items/404")) return new Response("no such item", { status: 404 });
    return Response.json({ path: url.pathname, q: url.searchParams.get("q") });
  },
});

const config = (port: number) => `
[[command]]
name = "greet"
description = "Says hello. Returns {stdout, stderr, exit_code, truncated}."
scope = "read"
argv = ["echo", "hello", "{who}", "--name={who}"]
input = { type = "object", properties = { who = { type = "string", maxLength = 50 } }, required = ["who"] }

[[command]]
name = "fails"
description = "Exits 3."
scope = "read"
argv = ["sh", "-c", "echo oops >&2; exit 3"]

[[command]]
name = "show_env"
description = "Prints its environment."
scope = "admin"
argv = ["env"]
env = ["VISIBLE"]

[[command]]
name = "slow"
description = "Sleeps."
scope = "read"
argv = ["sleep", "5"]
timeout = 0.3

[[command]]
name = "loud"
description = "Prints too much."
scope = "read"
argv = ["head", "-c", "100000", "/dev/zero"]
max_output = "1KiB"

[[http]]
name = "get_item"
description = "Fetches an item. Returns {path, q}."
scope = "read"
method = "GET"
url = "http://127.0.0.1:${port}/items/{id}"
headers = { Authorization = "Bearer \${UPSTREAM_TOKEN}", Accept = "application/json" }
input = { type = "object", properties = { id = { type = "string" }, q = { type = "string" } }, required = ["id"] }

[[http]]
name = "put_item"
description = "Sends an item."
scope = "write"
method = "POST"
url = "http://127.0.0.1:${port}/items"
input = { type = "object", properties = { name = { type = "string" }, n = { type = "integer" } } }

[[http]]
name = "too_big"
description = "Answers more than it may."
scope = "read"
url = "http://127.0.0.1:${port}/big"
max_response = "1KiB"
`;

const call = async (name: string, parameters: unknown) => {
  const res = await fetch(`${server.url}/tools/call`, {
    method: "POST",
    headers: { authorization: `Bearer ${STATIC_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ name, parameters }),
  });
  return { status: res.status, json: (await res.json()) as any };
};

beforeAll(async () => {
  binary = buildBinary();
  writeFileSync(join(work, "quiver.toml"), config(upstream.port!));
  server = await startBinary(
    binary,
    ["--data", join(work, "data"), "--tools-config", join(work, "quiver.toml")],
    { QUIVER_TOKEN: STATIC_TOKEN, UPSTREAM_TOKEN: "s3cret", VISIBLE: "yes", HIDDEN: "no" },
    work,
  );
});
afterAll(async () => {
  await server?.stop();
  upstream.stop(true);
  rmSync(work, { recursive: true, force: true });
});

describe("command tools", () => {
  test("placeholders fill argv elements, no shell in between", async () => {
    const res = await call("greet", { who: "$(whoami); *" });
    expect(res.json).toEqual({
      exit_code: 0,
      stdout: "hello $(whoami); * --name=$(whoami); *\n",
      stderr: "",
      truncated: false,
    });
  });

  test("a lone placeholder may not become an option", async () => {
    const res = await call("greet", { who: "-n" });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe('parameters.who: must not start with "-"');
  });

  test("a non-zero exit is a tool error with the end of stderr", async () => {
    const res = await call("fails", {});
    expect(res.status).toBe(422);
    expect(res.json.error).toEqual({
      code: "tool_error",
      message: '"fails" exited with status 3: oops\n',
    });
  });

  test("the program sees only the allowed environment", async () => {
    const res = await call("show_env", {});
    expect(res.json.stdout).toBe("VISIBLE=yes\n");
  });

  test("its own timeout stops it: 504", async () => {
    const res = await call("slow", {});
    expect(res.status).toBe(504);
    expect(res.json.error.code).toBe("tool_timeout");
  });

  test("output past the cap is cut and says so", async () => {
    const res = await call("loud", {});
    expect(res.status).toBe(200);
    expect(res.json.truncated).toBe(true);
    expect(res.json.stdout.length).toBe(1024);
  });
});

describe("HTTP tools", () => {
  test("GET: URL placeholders encoded, other parameters as the query, secret header from the env", async () => {
    seen.length = 0;
    const res = await call("get_item", { id: "a/b c", q: "x&y" });
    expect(res.json).toEqual({ path: "/items/a%2Fb%20c", q: "x&y" });
    expect(seen[0]).toMatchObject({ auth: "Bearer s3cret", url: "/items/a%2Fb%20c?q=x%26y" });
  });

  test("POST: the parameters as a JSON body", async () => {
    seen.length = 0;
    const res = await call("put_item", { name: "n", n: 2 });
    expect(res.status).toBe(200);
    expect(JSON.parse(seen[0]!.body)).toEqual({ name: "n", n: 2 });
    expect(seen[0]!.auth).toBeNull();
  });

  test("an upstream error status and an oversized answer are tool errors", async () => {
    const missing = await call("get_item", { id: "404" });
    expect(missing.status).toBe(422);
    expect(missing.json.error.message).toContain("answered 404: no such item");
    const big = await call("too_big", {});
    expect(big.status).toBe(422);
    expect(big.json.error.message).toContain("larger than 1024 bytes");
  });

  test("listed like any tool, with its input schema", async () => {
    const res = await fetch(`${server.url}/tools`, {
      headers: { authorization: `Bearer ${STATIC_TOKEN}` },
    });
    const tools = ((await res.json()) as any).tools;
    expect(tools.find((t: any) => t.name === "get_item").input_schema).toMatchObject({
      required: ["id"],
      properties: { id: { type: "string" } },
    });
  });
});

describe("a config that cannot work is a start-up error naming file and tool", () => {
  const startupLine = (toml: string, env: Record<string, string> = {}) => {
    const file = join(work, "bad.toml");
    writeFileSync(file, toml);
    const res = spawnSync([binary, "tools", "--tools-config", file], {
      env: { PATH: process.env.PATH!, ...env },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(res.exitCode).toBe(1);
    return res.stderr.toString().trim();
  };
  const base = `name = "t"\ndescription = "d"\nscope = "read"\n`;

  test("each mistake says what is wrong", () => {
    const file = join(work, "bad.toml");
    expect(startupLine(`[[command]]\n${base}argv = ["echo", "{nope}"]\n`)).toBe(
      `quiver: ${file}: [[command]] "t": argv uses {nope}, which is not a parameter in input`,
    );
    expect(
      startupLine(`[[http]]\n${base}url = "http://x/a"\nheaders = { A = "\${NOT_SET_VAR}" }\n`),
    ).toBe(
      `quiver: ${file}: [[http]] "t": header A needs the environment variable NOT_SET_VAR, which is not set`,
    );
    expect(
      startupLine(
        `[[http]]\n${base}url = "http://{host}/a"\ninput = { type = "object", properties = { host = { type = "string" } } }\n`,
      ),
    ).toContain("placeholders may only follow the URL's host and port");
    expect(startupLine(`[[command]]\n${base}argv = ["no-such-program-here"]\n`)).toContain(
      'program "no-such-program-here" is not on PATH',
    );
    expect(startupLine(`[[command]]\n${base}argv = ["echo"]\nshell = true\n`)).toContain(
      'unknown key "shell"',
    );
    expect(
      startupLine(`[[command]]\n${base}argv = ["echo"]\n[[command]]\n${base}argv = ["echo"]\n`),
    ).toBe(`quiver: two tools are named "t": one in ${file}, one in ${file}; rename one`);
  });
});
