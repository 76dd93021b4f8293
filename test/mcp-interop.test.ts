import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as LegacyStdio } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as LegacyHttp } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { spawn } from "bun";
import { tools as registry } from "../src/tools/registry.ts";
import { buildBinary, MODERN, type Running, startBinary, TOKEN, tempDir } from "./mcp-support.ts";

// The official SDK clients (v2: both eras; v1: legacy) against the compiled binary,
// over Streamable HTTP with a bearer token and over stdio (`quiver mcp`).

/** Arguments for the built-in tools, in an order where each call has something to act on. */
const SAMPLE_ARGS: Record<string, Record<string, unknown>> = {
  write_file: { path: "notes/hello.md", content: "# Hello\nquiver over MCP\n" },
  read_file: { path: "notes/hello.md" },
  list_files: { prefix: "notes/" },
  search: { query: "quiver" },
  delete_file: { path: "notes/hello.md" },
};
const ORDER = (name: string) => {
  const i = Object.keys(SAMPLE_ARGS).indexOf(name);
  return i === -1 ? Object.keys(SAMPLE_ARGS).length - 1 : i; // unknown tools before delete_file
};

interface AnyClient {
  listTools(params?: { cursor?: string }): Promise<{ tools: any[]; nextCursor?: string }>;
  callTool(params: { name: string; arguments?: Record<string, unknown> }): Promise<any>;
  listResources(params?: { cursor?: string }): Promise<{ resources: any[]; nextCursor?: string }>;
  listResourceTemplates(): Promise<{ resourceTemplates: any[] }>;
  readResource(params: { uri: string }): Promise<{ contents: any[] }>;
  complete(params: Record<string, unknown>): Promise<{ completion: any }>;
  close(): Promise<void>;
}

/** Files as resources: list, read, the template, path completion, resource links. */
async function exerciseResources(client: AnyClient) {
  const path = "res/über café.md";
  await client.callTool({ name: "write_file", arguments: { path, content: "# Café\n" } });
  const listed = await client.listResources();
  const resource = listed.resources.find((r) => r.name === path);
  expect(resource).toMatchObject({ uri: "quiver://files/res/%C3%BCber%20caf%C3%A9.md", size: 8 });
  const read = await client.readResource({ uri: resource.uri });
  expect(read.contents[0].text).toBe("# Café\n");
  const templates = await client.listResourceTemplates();
  expect(templates.resourceTemplates[0].uriTemplate).toBe("quiver://files/{+path}");
  const completed = await client.complete({
    ref: { type: "ref/resource", uri: "quiver://files/{+path}" },
    argument: { name: "path", value: "res/ü" },
  });
  expect(completed.completion.values).toEqual([path]);
  const files = await client.callTool({ name: "list_files", arguments: { prefix: "res/" } });
  expect(files.content[1]).toMatchObject({ type: "resource_link", uri: resource.uri, name: path });
  await expect(client.readResource({ uri: "quiver://files/res/none.md" })).rejects.toThrow(
    /no file at/,
  );
  await client.callTool({ name: "delete_file", arguments: { path } });
}

/** The same checks for every client × transport. */
async function exercise(client: AnyClient) {
  const listed: any[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined);
    listed.push(...page.tools);
    cursor = page.nextCursor;
  } while (cursor);
  expect(listed.map((t) => t.name)).toEqual(registry.map((t) => t.name));

  const results: Record<string, any> = {};
  for (const tool of [...listed].sort((a, b) => ORDER(a.name) - ORDER(b.name))) {
    const result = await client.callTool({
      name: tool.name,
      arguments: SAMPLE_ARGS[tool.name] ?? {},
    });
    expect(Array.isArray(result.content)).toBe(true);
    expect(result.content[0].type).toBe("text");
    if (tool.outputSchema)
      expect(result.isError ? undefined : result.structuredContent).toBeDefined();
    results[tool.name] =
      result.structuredContent ?? (result.isError ? result : JSON.parse(result.content[0].text));
  }
  expect(results.write_file.path).toBe("notes/hello.md");
  expect(results.read_file.content).toBe("# Hello\nquiver over MCP");
  expect(results.list_files.files.map((f: any) => f.path)).toEqual(["notes/hello.md"]);
  expect(results.delete_file.isError).toBeUndefined();

  const bad = await client.callTool({ name: "read_file", arguments: { path: 42 } });
  expect(bad.isError).toBe(true);
  expect(bad.content[0].text).toContain("parameters.path");
  const missing = await client.callTool({ name: "read_file", arguments: { path: "no/such.md" } });
  expect(missing.isError).toBe(true);
  await exerciseResources(client);
  await client.close();
}

const modernOptions = { versionNegotiation: { mode: { pin: MODERN } } } as any;
const info = { name: "quiver-interop", version: "1.0.0" };

describe("Streamable HTTP against the binary", () => {
  let server: Running;
  let url: URL;
  const requestInit = { headers: { authorization: `Bearer ${TOKEN}` } };
  beforeAll(async () => {
    server = await startBinary();
    url = new URL(`${server.url}/mcp`);
  });
  afterAll(() => server.stop());

  test("v2 client, modern era (server/discover, no handshake)", async () => {
    const client = new Client(info, modernOptions);
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit }));
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
    expect(client.getServerVersion()?.name).toBe("quiver");
    await exercise(client as unknown as AnyClient);
  });

  test("v2 client, legacy era (initialize)", async () => {
    const client = new Client(info);
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit }));
    expect(client.getNegotiatedProtocolVersion()).toBe("2025-11-25");
    await exercise(client as unknown as AnyClient);
  });

  test("v1 SDK client (legacy era)", async () => {
    const client = new LegacyClient(info);
    await client.connect(new LegacyHttp(url, { requestInit }));
    expect(client.getServerVersion()?.name).toBe("quiver");
    await exercise(client as unknown as AnyClient);
  });

  test("without a token the clients are refused", async () => {
    const client = new LegacyClient(info);
    await expect(client.connect(new LegacyHttp(url))).rejects.toThrow();
  });

  test("raw: 401 challenge, foreign Origin, rebinding Host, GET", async () => {
    const post = (headers: Record<string, string>) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }),
      });
    const unauth = await post({});
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get("www-authenticate")).toContain(
      `resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`,
    );
    const meta = (await (
      await fetch(`${server.url}/.well-known/oauth-protected-resource/mcp`)
    ).json()) as { resource: string };
    expect(meta.resource).toBe(`${server.url}/mcp`);
    expect(
      (await post({ authorization: `Bearer ${TOKEN}`, origin: "https://evil.example" })).status,
    ).toBe(403);
    expect((await post({ authorization: `Bearer ${TOKEN}`, host: "evil.example" })).status).toBe(
      403,
    );
    expect((await post({ authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const get = await fetch(url, {
      headers: { authorization: `Bearer ${TOKEN}`, accept: "text/event-stream" },
    });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
  });
});

describe("stdio: quiver mcp", () => {
  let binary: string;
  const dataDir = tempDir();
  beforeAll(() => {
    binary = buildBinary();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const params = () => ({
    command: binary,
    args: ["mcp", "--data", dataDir],
    stderr: "ignore" as const,
  });

  test("v2 client, modern era", async () => {
    const client = new Client(info, modernOptions);
    await client.connect(new StdioClientTransport(params()));
    expect(client.getNegotiatedProtocolVersion()).toBe(MODERN);
    await exercise(client as unknown as AnyClient);
  });

  test("v2 client, legacy era", async () => {
    const client = new Client(info);
    await client.connect(new StdioClientTransport(params()));
    expect(client.getNegotiatedProtocolVersion()).toBe("2025-11-25");
    await exercise(client as unknown as AnyClient);
  });

  test("v1 SDK client", async () => {
    const client = new LegacyClient(info);
    await client.connect(new LegacyStdio(params()));
    await exercise(client as unknown as AnyClient);
  });

  test("stdout carries only protocol; exits promptly on EOF and on SIGTERM", async () => {
    // An empty store of its own: the list below is [] whichever tests ran before.
    const empty = tempDir();
    const proc = spawn([binary, "mcp", "--data", empty], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    proc.stdin.write(
      `${JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: info },
      })}\n`,
    );
    proc.stdin.write(
      `${JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" })}\n`,
    );
    proc.stdin.write(
      `${JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "list_files", arguments: { limit: 1 } },
      })}\n`,
    );
    proc.stdin.write("not json\n");
    proc.stdin.end();
    // Exits by itself once stdin is closed and the answers are out (the test's timeout
    // bounds the wait; how long it takes is not asserted).
    expect(await proc.exited).toBe(0);
    const lines = (await new Response(proc.stdout).text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    // Answered as they finish: the parse error (synchronous) may come first.
    const byId = new Map(lines.map((l) => [l.id, l]));
    expect(lines).toHaveLength(3);
    expect(byId.get(1).result.protocolVersion).toBe("2025-06-18");
    expect(JSON.parse(byId.get(2).result.content[0].text)).toEqual({ files: [] });
    expect(byId.get(null).error.code).toBe(-32700);
    rmSync(empty, { recursive: true, force: true });

    const idle = spawn([binary, "mcp", "--data", dataDir], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    // Ready (its log says so), then SIGTERM: exit code 0 means the handler ran and the
    // process stopped on its own, not killed by the signal (that would be null/143).
    const reader = idle.stderr.getReader();
    let log = "";
    while (!log.includes("mcp stdio ready")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`quiver mcp exited before it was ready: ${log}`);
      log += new TextDecoder().decode(value);
    }
    reader.releaseLock();
    idle.kill("SIGTERM");
    expect(await idle.exited).toBe(0);
    expect(await new Response(idle.stdout).text()).toBe("");
  });

  test("large answers are flushed in full before exit", async () => {
    const proc = spawn([binary, "mcp", "--data", dataDir], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "ignore",
    });
    const content = Array.from({ length: 1500 }, (_, i) => `line ${i} ${"x".repeat(30)}`).join(
      "\n",
    );
    proc.stdin.write(
      `${JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "write_file", arguments: { path: "big.txt", content } },
      })}\n`,
    );
    proc.stdin.flush();
    // Wait for the write's answer before reading the file back.
    const reader = proc.stdout.getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    for (let id = 2; id < 12; id++)
      proc.stdin.write(
        `${JSON.stringify({
          jsonrpc: "2.0",
          id,
          method: "tools/call",
          params: { name: "read_file", arguments: { path: "big.txt" } },
        })}\n`,
      );
    proc.stdin.end();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out += new TextDecoder().decode(value);
    }
    expect(await proc.exited).toBe(0);
    const lines = out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(11);
    expect(lines[0].result.isError).toBeUndefined();
    for (const l of lines.slice(1))
      expect(JSON.parse(l.result.content[0].text).content).toBe(content);
  });

  test("a first server/discover is answered", async () => {
    const proc = spawn([binary, "mcp", "--data", dataDir], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "ignore",
    });
    proc.stdin.write(
      `${JSON.stringify({
        jsonrpc: "2.0",
        id: "d",
        method: "server/discover",
        params: {
          _meta: {
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      })}\n`,
    );
    proc.stdin.end();
    await proc.exited;
    const answer = JSON.parse(await new Response(proc.stdout).text());
    expect(answer.result.supportedVersions).toContain(MODERN);
  });
});
