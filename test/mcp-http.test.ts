import { afterAll, describe, expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { createHandler } from "../src/server/handler.ts";
import { defineTool } from "../src/tools/define.ts";
import { ToolRegistry } from "../src/tools/registry.ts";
import { ENVELOPE, MODERN, mcpRequest, TOKEN } from "./mcp-support.ts";
import { testServer } from "./support/services.ts";

// /mcp through the whole in-process server (createHandler), as an HTTP client sees it.
const server = testServer();
afterAll(() => server.close());
const send = async (request: Request) => {
  const res = await server.handle(request);
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, text, json };
};
const legacy = (id: number, method: string, params?: object) => ({
  jsonrpc: "2.0",
  id,
  method,
  ...(params ? { params } : {}),
});
const modern = (id: number, method: string, params: Record<string, any> = {}) => ({
  jsonrpc: "2.0",
  id,
  method,
  params: { ...params, _meta: { ...ENVELOPE, ...params._meta } },
});

describe("POST /mcp", () => {
  test("legacy initialize: JSON answer, no session id minted", async () => {
    const res = await send(
      mcpRequest(
        legacy(1, "initialize", {
          protocolVersion: "2025-11-25",
          capabilities: {},
          clientInfo: { name: "t", version: "1" },
        }),
      ),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    expect(res.headers.get("mcp-session-id")).toBeNull();
    expect(res.json.result.protocolVersion).toBe("2025-11-25");
  });

  test("modern tools/call answers with the headers checked", async () => {
    const res = await send(
      mcpRequest(modern(2, "tools/call", { name: "list_files", arguments: { limit: 1 } })),
    );
    expect(res.status).toBe(200);
    expect(res.json.result.resultType).toBe("complete");
    expect(JSON.parse(res.json.result.content[0].text)).toEqual({ files: [] });
  });

  test("a notification or a posted response: 202 with no body", async () => {
    for (const body of [
      { jsonrpc: "2.0", method: "notifications/initialized" },
      { jsonrpc: "2.0", id: 9, result: {} },
    ]) {
      const res = await send(mcpRequest(body));
      expect(res.status).toBe(202);
      expect(res.text).toBe("");
    }
  });

  test("header/body mismatch: 400 with -32020", async () => {
    const res = await send(
      mcpRequest(modern(3, "tools/call", { name: "list_files", arguments: {} }), {
        "mcp-name": "read_file",
      }),
    );
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(-32020);
    expect(res.json.id).toBe(3);
    const missing = await send(mcpRequest(modern(4, "tools/list"), { "mcp-method": null }));
    expect(missing.status).toBe(400);
    expect(missing.json.error.code).toBe(-32020);
  });

  test("unsupported version: 400 with -32022 and the supported list", async () => {
    const body = {
      jsonrpc: "2.0",
      id: 5,
      method: "tools/list",
      params: { _meta: { ...ENVELOPE, "io.modelcontextprotocol/protocolVersion": "2030-01-01" } },
    };
    const res = await send(mcpRequest(body));
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(-32022);
    expect(res.json.error.data.supported).toContain(MODERN);
    expect(res.json.error.data.supported).toContain("2025-11-25");
    const legacyHeader = await send(
      mcpRequest(legacy(6, "tools/list"), { "mcp-protocol-version": "2024-01-01" }),
    );
    expect(legacyHeader.status).toBe(400);
    expect(legacyHeader.json.error.code).toBe(-32022);
  });

  test("invalid JSON: 400 parse error; a batch: 400 invalid request", async () => {
    const bad = new Request("http://localhost:8080/mcp", {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: "{nope",
    });
    const res = await send(bad);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe(-32700);
    const batch = await send(mcpRequest([legacy(1, "ping")]));
    expect(batch.status).toBe(400);
    expect(batch.json.error.code).toBe(-32600);
  });

  test("unknown tool: JSON-RPC -32602 in a 200", async () => {
    const res = await send(mcpRequest(legacy(7, "tools/call", { name: "nope", arguments: {} })));
    expect(res.status).toBe(200);
    expect(res.json.error.code).toBe(-32602);
  });
});

describe("other methods", () => {
  test("GET and DELETE: 405 with Allow: POST", async () => {
    for (const method of ["GET", "DELETE"]) {
      const res = await send(mcpRequest(undefined, {}, { method }));
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
  });
});

describe("security", () => {
  test("no token or a wrong one: 401 naming the resource metadata", async () => {
    for (const auth of [null, "Bearer wrong-token-000000000000"]) {
      const res = await send(mcpRequest(legacy(1, "tools/list"), { authorization: auth }));
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain(
        'resource_metadata="http://localhost:8080/.well-known/oauth-protected-resource/mcp"',
      );
    }
  });

  test("RFC 9728 metadata is served without a token", async () => {
    for (const path of [
      "/.well-known/oauth-protected-resource",
      "/.well-known/oauth-protected-resource/mcp",
    ]) {
      const res = await send(new Request(`http://localhost:8080${path}`));
      expect(res.status).toBe(200);
      expect(res.json.resource).toBe("http://localhost:8080/mcp");
      expect(res.json.bearer_methods_supported).toEqual(["header"]);
    }
  });

  test("a read token calling a write tool: 403 insufficient_scope", async () => {
    const res = await send(
      mcpRequest(
        legacy(1, "tools/call", { name: "write_file", arguments: { path: "a", content: "b" } }),
        { authorization: `Bearer ${server.tokens.read}` },
      ),
    );
    expect(res.status).toBe(403);
    expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    const ok = await send(
      mcpRequest(legacy(2, "tools/call", { name: "list_files", arguments: {} }), {
        authorization: `Bearer ${server.tokens.read}`,
      }),
    );
    expect(ok.status).toBe(200);
  });

  test("Origin: none, own and loopback pass; foreign and null are 403", async () => {
    const status = async (origin: string | null, host = "localhost:8080") =>
      (await send(mcpRequest(legacy(1, "ping"), { origin, host }))).status;
    expect(await status(null)).toBe(200);
    expect(await status("http://localhost:8080")).toBe(200);
    expect(await status("http://127.0.0.1:6274")).toBe(200);
    expect(await status("https://evil.example")).toBe(403);
    expect(await status("null")).toBe(403);
  });

  test("allowedOrigins extends the list; non-loopback Host refused when bound to loopback", async () => {
    const other = testServer({ allowedOrigins: ["https://app.example"] });
    const res = await other.handle(
      mcpRequest(legacy(1, "ping"), { origin: "https://app.example" }),
    );
    expect(res.status).toBe(200);
    const rebinding = await other.handle(
      mcpRequest(legacy(1, "ping"), {
        host: "evil.example:8080",
        origin: "http://evil.example:8080",
      }),
    );
    expect(rebinding.status).toBe(403);
    // Hosts found good are remembered; a refused one is refused every time.
    const again = await other.handle(mcpRequest(legacy(1, "ping"), { host: "evil.example:8080" }));
    expect(again.status).toBe(403);
    other.close();
    const open = testServer({ host: "0.0.0.0" });
    expect(
      (await open.handle(mcpRequest(legacy(1, "ping"), { host: "quiver.example:8080" }))).status,
    ).toBe(200);
    open.close();
  });
});

describe("progress over SSE", () => {
  const ticking = defineTool({
    name: "ticking",
    description: "Counts to three, reporting progress.",
    input: Type.Object({}),
    scope: "read",
    run: async (_args, ctx) => {
      for (let i = 1; i <= 3; i++) {
        await Bun.sleep(5);
        ctx.progress?.(i, 3, `step ${i}`);
      }
      return { counted: 3 };
    },
  });
  const handle = createHandler(
    { ...server.services, tools: new ToolRegistry([ticking]) },
    { log: () => {} },
  );

  test("a call with a progressToken from a client accepting SSE streams progress, then the result", async () => {
    const res = await handle(
      mcpRequest(
        modern(1, "tools/call", {
          name: "ticking",
          arguments: {},
          _meta: { progressToken: "tok" },
        }),
      ),
    );
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const events = (await res.text())
      .split("\n\n")
      .filter(Boolean)
      .map((e) =>
        JSON.parse(
          e
            .split("\n")
            .find((l) => l.startsWith("data: "))!
            .slice(6),
        ),
      );
    expect(
      events.slice(0, 3).map((e) => [e.method, e.params.progressToken, e.params.progress]),
    ).toEqual([
      ["notifications/progress", "tok", 1],
      ["notifications/progress", "tok", 2],
      ["notifications/progress", "tok", 3],
    ]);
    expect(events[3].id).toBe(1);
    expect(JSON.parse(events[3].result.content[0].text)).toEqual({ counted: 3 });
  });

  test("without a progressToken, or without SSE in Accept, the answer is plain JSON", async () => {
    const plain = await handle(
      mcpRequest(modern(2, "tools/call", { name: "ticking", arguments: {} })),
    );
    expect(plain.headers.get("content-type")).toBe("application/json");
    const jsonOnly = await handle(
      mcpRequest(
        {
          jsonrpc: "2.0",
          id: 3,
          method: "tools/call",
          params: { name: "ticking", arguments: {}, _meta: { progressToken: 1 } },
        },
        { accept: "application/json" },
      ),
    );
    expect(jsonOnly.headers.get("content-type")).toBe("application/json");
    expect(((await jsonOnly.json()) as any).result.content[0].text).toBe('{"counted":3}');
  });
});

describe("CORS for allowed browser origins", () => {
  test("preflight answers without a token; responses and errors carry the allow-origin", async () => {
    const pre = await send(
      new Request("http://localhost:8080/mcp", {
        method: "OPTIONS",
        headers: { origin: "http://localhost:6274", "access-control-request-method": "POST" },
      }),
    );
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-headers")).toContain("mcp-protocol-version");
    const ok = await send(mcpRequest(legacy(1, "ping"), { origin: "http://localhost:6274" }));
    expect(ok.headers.get("access-control-allow-origin")).toBe("http://localhost:6274");
    const unauth = await send(
      mcpRequest(legacy(1, "ping"), { origin: "http://localhost:6274", authorization: null }),
    );
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get("access-control-allow-origin")).toBe("http://localhost:6274");
    expect(unauth.headers.get("access-control-expose-headers")).toContain("www-authenticate");
    const foreign = await send(
      new Request("http://localhost:8080/mcp", {
        method: "OPTIONS",
        headers: { origin: "https://evil.example" },
      }),
    );
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
  });
});
