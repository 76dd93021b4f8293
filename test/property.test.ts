import { afterAll, describe, expect, test } from "bun:test";
import { builtinTools, tools } from "../src/tools/registry.ts";
import { arbitraryParams } from "./support/arbitrary.ts";
import { rng } from "./support/fuzz.ts";
import { STATIC_TOKEN, testServer } from "./support/services.ts";

// Every tool, every transport, generated and mutated parameters: the only outcomes are a
// result or a 4xx in the standard shape — never a 500, a hang or a stack trace.
const server = testServer({ toolTimeoutMs: 5000 });
afterAll(() => server.close());
await server.services.files.put("notes/a.md", [new TextEncoder().encode("# A\nsome text\n")]);

const ITERATIONS = 150;
const MODERN = "2026-07-28";

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return server.handle(
    new Request(`http://localhost${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${STATIC_TOKEN}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      body: JSON.stringify(body),
    }),
  );
}

function expectCleanFailure(status: number, text: string, what: string) {
  expect(status, `${what}: ${text.slice(0, 300)}`).toBeLessThan(500);
  expect(text).not.toMatch(/\n\s+at /); // no stack trace
  if (status >= 400) {
    const body = JSON.parse(text);
    expect(typeof body.error?.code, what).toBe("string");
    expect(typeof body.error?.message, what).toBe("string");
  }
}

describe.each(tools.map((t) => [t.name, t] as const))("%s", (name, tool) => {
  const schema = builtinTools.inputSchema(tool);

  test("POST /tools/call and POST /tools/<name>: results or clean 4xx", async () => {
    const next = rng(name.length * 7919);
    for (let i = 0; i < ITERATIONS; i++) {
      const params = arbitraryParams(schema, next);
      const a = await post("/tools/call", { name, parameters: params });
      expectCleanFailure(
        a.status,
        await a.text(),
        `/tools/call ${JSON.stringify(params).slice(0, 200)}`,
      );
      const b = await post(`/tools/${name}`, params);
      expectCleanFailure(
        b.status,
        await b.text(),
        `/tools/${name} ${JSON.stringify(params).slice(0, 200)}`,
      );
    }
  }, 60_000);

  test("MCP tools/call: results, isError results, or JSON-RPC errors", async () => {
    const next = rng(name.length * 104729);
    for (let i = 0; i < ITERATIONS; i++) {
      const args = arbitraryParams(schema, next);
      const body = {
        jsonrpc: "2.0",
        id: i,
        method: "tools/call",
        params: {
          name,
          arguments: args,
          _meta: {
            "io.modelcontextprotocol/protocolVersion": MODERN,
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      };
      const res = await post("/mcp", body, {
        "mcp-protocol-version": MODERN,
        "mcp-method": "tools/call",
        "mcp-name": name,
      });
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).toBeLessThan(500);
      expect(text).not.toMatch(/\n\s+at /);
      if (res.status === 200) {
        const msg = JSON.parse(text);
        expect(msg.id).toBe(i);
        if (msg.error) expect(msg.error.code).toBeLessThan(0);
        else expect(Array.isArray(msg.result.content)).toBe(true);
      }
    }
  }, 60_000);
});
