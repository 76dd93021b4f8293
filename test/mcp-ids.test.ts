import { afterAll, describe, expect, test } from "bun:test";
import { serveStdio } from "../src/mcp/stdio.ts";
import { TOKEN } from "./mcp-support.ts";
import { testServer } from "./support/services.ts";

// Item 20 (issue 13): a JSON-RPC id is echoed exactly as sent, or refused with -32600.
// Bodies are written as text: JSON.stringify could not even produce 9007199254740993.
const server = testServer();
afterAll(() => server.close());

const ping = (idText: string) => `{"jsonrpc":"2.0","id":${idText},"method":"ping"}`;
const exact = ["9007199254740991", "-9007199254740991", "0", '"9007199254740993"', '"x"'];
const inexact = ["9007199254740993", "9007199254740992", "-9007199254740993", "1e300"];

async function overHttp(body: string): Promise<{ status: number; text: string }> {
  const response = await server.handle(
    new Request("http://localhost:8080/mcp", {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKEN}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body,
    }),
  );
  return { status: response.status, text: await response.text() };
}

async function overStdio(lines: string[]): Promise<string[]> {
  const out: string[] = [];
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(lines.map((l) => `${l}\n`).join("")));
      controller.close();
    },
  });
  await serveStdio(server.services, { input, write: (l) => out.push(l) });
  return out.map((l) => l.trim());
}

describe("over HTTP", () => {
  test.each(exact)("id %s comes back exactly as sent", async (id) => {
    const { status, text } = await overHttp(ping(id));
    expect(status).toBe(200);
    expect(text).toBe(`{"jsonrpc":"2.0","id":${id},"result":{}}`);
  });

  test.each(inexact)("id %s is refused with -32600 and id null", async (id) => {
    const { status, text } = await overHttp(ping(id));
    expect(status).toBe(400);
    const body = JSON.parse(text);
    expect(body.id).toBeNull();
    expect(body.error.code).toBe(-32600);
    expect(body.error.message).toContain("as strings");
  });
});

describe("over stdio", () => {
  test("exact ids come back as sent, inexact ones are refused, in one session", async () => {
    const out = await overStdio([...exact, ...inexact].map(ping));
    for (const id of exact) expect(out).toContain(`{"jsonrpc":"2.0","id":${id},"result":{}}`);
    const refused = out.map((l) => JSON.parse(l)).filter((m) => m.error);
    expect(refused.length).toBe(inexact.length);
    for (const m of refused) expect([m.id, m.error.code]).toEqual([null, -32600]);
  });
});
