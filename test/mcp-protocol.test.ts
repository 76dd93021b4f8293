import { describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { loadConfig } from "../src/config.ts";
import { QuiverError } from "../src/errors.ts";
import { classifyEra, classifyHttp, decodeHeaderValue } from "../src/mcp/era.ts";
import { RpcError } from "../src/mcp/jsonrpc.ts";
import { handleMessage, type McpCall, parseMessage } from "../src/mcp/protocol.ts";
import { MAX_RESULT_CHARS } from "../src/mcp/tool-result.ts";
import { defineTool, type Services } from "../src/tools/define.ts";
import { builtinTools, ToolRegistry, tools } from "../src/tools/registry.ts";
import { ENVELOPE, MODERN } from "./mcp-support.ts";
import { testServer } from "./support/services.ts";

// The protocol function, called directly: no transport, stub tools where useful.
const admin: McpCall = { caller: { id: "t", name: "t", scope: "admin" } };
// Stub tools use no service, but the pipeline reads the tool timeout from the config.
const config = loadConfig({ data: "/nonexistent", quiet: true }, {});
const noServices = { config, tools: builtinTools } as Services;

const echo = defineTool({
  name: "echo_structured",
  description: "Echoes a word with its length.",
  input: Type.Object({ word: Type.String() }, { additionalProperties: false }),
  output: Type.Object({ word: Type.String(), length: Type.Integer() }),
  scope: "read",
  run: ({ word }) => ({ word, length: word.length }),
});
const failing = defineTool({
  name: "fails",
  description: "Fails the way it is told to.",
  input: Type.Object({ how: Type.String() }),
  scope: "read",
  run: ({ how }) => {
    if (how === "expected")
      throw new QuiverError(404, "not_found", 'no file named "x"; list_files shows the files');
    throw new Error("secret internal detail");
  },
});
const huge = defineTool({
  name: "huge",
  description: "Returns too much.",
  input: Type.Object({}),
  scope: "read",
  run: () => ({ blob: "x".repeat(MAX_RESULT_CHARS * 3) }),
});
const slow = defineTool({
  name: "slow",
  description: "Reports progress.",
  input: Type.Object({}),
  scope: "read",
  run: async (_args, ctx) => {
    ctx.progress?.(1, 3, "one");
    ctx.progress?.(1, 3, "one again"); // not increasing: dropped
    ctx.progress?.(2, 3);
    return { done: true };
  },
});
const stubs = { config, tools: new ToolRegistry([echo, failing, huge, slow]) } as Services;

const req = (id: number, method: string, params?: Record<string, unknown>) => ({
  jsonrpc: "2.0",
  id,
  method,
  ...(params ? { params } : {}),
});
const call = async (body: unknown, services: Services = stubs, c: McpCall = admin) =>
  (await handleMessage(body, c, services)) as any;

describe("legacy era (initialize handshake)", () => {
  test("initialize echoes a supported version and offers the newest for others", async () => {
    for (const v of ["2025-11-25", "2025-06-18", "2025-03-26"]) {
      const res = await call(
        req(1, "initialize", {
          protocolVersion: v,
          capabilities: {},
          clientInfo: { name: "c", version: "1" },
        }),
      );
      expect(res.result.protocolVersion).toBe(v);
      // No session here (as over HTTP): nothing to notify on (stdio: mcp-notifications.test.ts).
      expect(res.result.capabilities).toEqual({
        logging: {},
        tools: { listChanged: false },
        resources: { subscribe: false, listChanged: false },
        completions: {},
        // Tasks only on 2026-07-28 (its per-request client capabilities negotiate them).
        extensions: { "io.modelcontextprotocol/skills": { directoryRead: true } },
      });
      expect(res.result.serverInfo.name).toBe("quiver");
    }
    expect(
      (await call(req(2, "initialize", { protocolVersion: "2024-11-05", capabilities: {} }))).result
        .protocolVersion,
    ).toBe("2025-11-25");
  });

  test("ping answers {}; notifications get no response; unknown methods -32601", async () => {
    expect((await call(req(1, "ping"))).result).toEqual({});
    expect(await call({ jsonrpc: "2.0", method: "notifications/initialized" })).toBeUndefined();
    expect((await call(req(2, "prompts/list"))).error.code).toBe(-32601);
    // logging/setLevel is accepted (quiver sends no log messages to clients); a bad level is not.
    expect((await call(req(3, "logging/setLevel", { level: "warning" }))).result).toEqual({});
    expect((await call(req(4, "logging/setLevel", { level: "loud" }))).error.code).toBe(-32602);
  });

  test("tools/list has no modern fields", async () => {
    const res = await call(req(1, "tools/list"));
    expect(res.result.resultType).toBeUndefined();
    expect(res.result.ttlMs).toBeUndefined();
  });
});

describe("modern era (2026-07-28, per-request _meta)", () => {
  const m = (id: number, method: string, params: Record<string, unknown> = {}) =>
    req(id, method, { ...params, _meta: ENVELOPE });

  test("server/discover lists versions, capabilities, serverInfo", async () => {
    const res = await call(m(1, "server/discover"));
    expect(res.result.resultType).toBe("complete");
    expect(res.result.supportedVersions).toEqual([
      MODERN,
      "2025-11-25",
      "2025-06-18",
      "2025-03-26",
    ]);
    // 2026-07-28 clients hear changes through subscriptions/listen, on either transport.
    expect(res.result.capabilities).toEqual({
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      completions: {},
      extensions: {
        "io.modelcontextprotocol/skills": { directoryRead: true },
        "io.modelcontextprotocol/tasks": {},
      },
    });
    expect(res.result._meta["io.modelcontextprotocol/serverInfo"].name).toBe("quiver");
  });

  test("results carry resultType; tools/list carries ttlMs and cacheScope", async () => {
    const list = await call(m(1, "tools/list"));
    // Private: the list depends on the caller's token (mcp-resources.test.ts, scopes).
    expect(list.result).toMatchObject({ resultType: "complete", cacheScope: "private" });
    expect(list.result.ttlMs).toBeGreaterThan(0);
    expect(
      (await call(m(2, "tools/call", { name: "echo_structured", arguments: { word: "hi" } })))
        .result.resultType,
    ).toBe("complete");
  });

  test("ping and initialize do not exist in the modern era", async () => {
    expect((await call(m(1, "ping"))).error.code).toBe(-32601);
    expect((await call(m(2, "initialize"))).error.code).toBe(-32601);
  });

  test("an unsupported version is -32022 with the supported list", () => {
    const bad = {
      ...req(1, "tools/list", {
        _meta: { ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": "2099-01-01" },
      }),
    } as any;
    try {
      classifyEra(bad);
      throw new Error("no error");
    } catch (err) {
      expect(err).toBeInstanceOf(RpcError);
      expect((err as RpcError).code).toBe(-32022);
      expect((err as RpcError).httpStatus).toBe(400);
      expect((err as any).data).toEqual({
        supported: [MODERN, "2025-11-25", "2025-06-18", "2025-03-26"],
        requested: "2099-01-01",
      });
    }
  });

  test("an envelope without clientCapabilities is invalid params", async () => {
    const res = await call(
      req(1, "tools/list", { _meta: { "io.modelcontextprotocol/protocolVersion": MODERN } }),
    );
    expect(res.error.code).toBe(-32602);
  });
});

describe("HTTP header cross-checks", () => {
  const body = req(1, "tools/call", {
    name: "echo_structured",
    arguments: {},
    _meta: ENVELOPE,
  }) as any;
  const headers = (h: Record<string, string>) =>
    new Headers({
      "mcp-protocol-version": MODERN,
      "mcp-method": "tools/call",
      "mcp-name": "echo_structured",
      ...h,
    });
  const codeOf = (h: Headers, b = body) => {
    try {
      classifyHttp(b, h);
      return 0;
    } catch (err) {
      return (err as RpcError).code;
    }
  };

  test("matching headers pass; each mismatch or omission is -32020", () => {
    expect(codeOf(headers({}))).toBe(0);
    expect(codeOf(headers({ "mcp-protocol-version": "2025-11-25" }))).toBe(-32020);
    expect(codeOf(headers({ "mcp-method": "tools/list" }))).toBe(-32020);
    expect(codeOf(headers({ "mcp-name": "other" }))).toBe(-32020);
    const h = headers({});
    h.delete("mcp-name");
    expect(codeOf(h)).toBe(-32020);
    h.delete("mcp-method");
    expect(codeOf(h)).toBe(-32020);
  });

  test("Mcp-Name may be base64-wrapped", () => {
    expect(decodeHeaderValue(`=?base64?${Buffer.from("naïve").toString("base64")}?=`)).toBe(
      "naïve",
    );
    const b = req(1, "tools/call", { name: "naïve", _meta: ENVELOPE }) as any;
    expect(
      codeOf(headers({ "mcp-name": `=?base64?${Buffer.from("naïve").toString("base64")}?=` }), b),
    ).toBe(0);
  });

  test("legacy requests: a modern version header without an envelope, or an unknown version, is refused", () => {
    const legacy = req(1, "tools/list") as any;
    expect(codeOf(new Headers({}), legacy)).toBe(0);
    expect(codeOf(new Headers({ "mcp-protocol-version": "2025-06-18" }), legacy)).toBe(0);
    expect(codeOf(new Headers({ "mcp-protocol-version": MODERN }), legacy)).toBe(-32602);
    expect(codeOf(new Headers({ "mcp-protocol-version": "1999-01-01" }), legacy)).toBe(-32022);
  });
});

describe("tools/call results", () => {
  test("structuredContent validates against the declared output schema, text mirrors it", async () => {
    const res = await call(
      req(1, "tools/call", { name: "echo_structured", arguments: { word: "quiver" } }),
    );
    expect(Value.Check(echo.output!, res.result.structuredContent)).toBe(true);
    expect(JSON.parse(res.result.content[0].text)).toEqual({ word: "quiver", length: 6 });
    expect(res.result.isError).toBeUndefined();
  });

  test("bad arguments are an isError result naming the field", async () => {
    const res = await call(
      req(1, "tools/call", { name: "echo_structured", arguments: { word: 5 } }),
    );
    expect(res.result.isError).toBe(true);
    expect(res.result.content[0].text).toContain("parameters.word");
  });

  test("expected failures keep their message; bugs hide theirs", async () => {
    const expected = await call(
      req(1, "tools/call", { name: "fails", arguments: { how: "expected" } }),
    );
    expect(expected.result).toEqual({
      content: [{ type: "text", text: 'not_found: no file named "x"; list_files shows the files' }],
      isError: true,
    });
    const bug = await call(req(2, "tools/call", { name: "fails", arguments: { how: "bug" } }));
    expect(bug.result.isError).toBe(true);
    expect(bug.result.content[0].text).not.toContain("secret");
  });

  test("unknown tool and missing name are JSON-RPC invalid params", async () => {
    expect((await call(req(1, "tools/call", { name: "nope" }))).error.code).toBe(-32602);
    expect((await call(req(2, "tools/call", {}))).error.code).toBe(-32602);
  });

  test("large results are bounded", async () => {
    const res = await call(req(1, "tools/call", { name: "huge", arguments: {} }));
    const total = res.result.content.reduce((n: number, c: any) => n + c.text.length, 0);
    expect(total).toBeLessThan(MAX_RESULT_CHARS + 500);
    expect(res.result.content.at(-1).text).toContain("ask for less");
  });

  test("progress goes out as notifications/progress with the request's token, increasing", async () => {
    const sent: any[] = [];
    const res = await call(
      req(1, "tools/call", { name: "slow", arguments: {}, _meta: { progressToken: "p1" } }),
      stubs,
      { ...admin, notify: (n) => sent.push(n) },
    );
    expect(JSON.parse(res.result.content[0].text)).toEqual({ done: true });
    expect(sent).toEqual([
      {
        jsonrpc: "2.0",
        method: "notifications/progress",
        params: { progressToken: "p1", progress: 1, total: 3, message: "one" },
      },
      {
        jsonrpc: "2.0",
        method: "notifications/progress",
        params: { progressToken: "p1", progress: 2, total: 3 },
      },
    ]);
  });

  test("scope is enforced by the pipeline: over stdio an isError result (HTTP answers 403 itself)", async () => {
    const server = testServer();
    const res = await call(
      req(1, "tools/call", { name: "write_file", arguments: { path: "a", content: "b" } }),
      server.services,
      { caller: { id: "r", name: "r", scope: "read" } },
    );
    expect(res.result.isError).toBe(true);
    expect(res.result.content[0].text).toStartWith("insufficient_scope");
    server.close();
  });
});

describe("tools/list", () => {
  test("the registry: deterministic order, valid short names, object schemas without $schema", async () => {
    const a = await call(req(1, "tools/list"), noServices);
    const b = await call(req(2, "tools/list"), noServices);
    expect(a.result).toEqual(b.result);
    expect(a.result.tools.map((t: any) => t.name)).toEqual(tools.map((t) => t.name));
    for (const tool of a.result.tools) {
      expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(tool.name.length).toBeLessThanOrEqual(32);
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.inputSchema.$schema).toBeUndefined();
      expect(typeof tool.description).toBe("string");
    }
  });

  test("numbers are plain numbers (Elysia's string-or-integer unions collapsed)", async () => {
    const res = await call(req(1, "tools/list"), noServices);
    const limit = res.result.tools.find((t: any) => t.name === "list_files").inputSchema.properties
      .limit;
    expect(limit).toEqual({
      type: "integer",
      minimum: 1,
      maximum: 1000,
      description: expect.any(String),
    });
    expect(JSON.stringify(res.result.tools)).not.toContain('"format":"integer"');
  });

  test("declared output schemas are listed", async () => {
    const res = await call(req(1, "tools/list"));
    expect(
      res.result.tools.find((t: any) => t.name === "echo_structured").outputSchema.properties.length
        .type,
    ).toBe("integer");
  });

  test("pages chain by cursor; a made-up cursor is invalid params", async () => {
    const many = Array.from({ length: 120 }, (_, i) => ({
      ...echo,
      name: `tool_${String(i).padStart(3, "0")}`,
    }));
    const d = { config, tools: new ToolRegistry(many) } as Services;
    const names: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await call(req(1, "tools/list", cursor ? { cursor } : {}), d);
      names.push(...res.result.tools.map((t: any) => t.name));
      cursor = res.result.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(names).toEqual(many.map((t) => t.name));
    expect((await call(req(2, "tools/list", { cursor: "bogus" }), d)).error.code).toBe(-32602);
  });
});

describe("message shape", () => {
  test("batches, non-2.0 messages and bad ids are invalid requests", () => {
    for (const bad of [
      [req(1, "ping")],
      { id: 1, method: "ping" },
      { jsonrpc: "2.0", id: 1.5, method: "ping" },
      { jsonrpc: "2.0", id: 1 },
    ]) {
      expect(() => parseMessage(bad)).toThrow(RpcError);
    }
    expect(parseMessage({ jsonrpc: "2.0", id: 1, result: {} }).kind).toBe("response");
  });
});
