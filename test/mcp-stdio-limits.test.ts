import { expect, test } from "bun:test";
import { loadConfig } from "../src/config.ts";
import { serveStdio } from "../src/mcp/stdio.ts";
import { boundedLines, type InputLine } from "../src/mcp/stdio-lines.ts";
import type { Services } from "../src/tools/define.ts";

// Item 11 (issue 13): a message over the size limit on stdio gets a JSON-RPC error, as
// over HTTP, and the session goes on.
const services = { config: loadConfig({ data: "/nonexistent", quiet: true }, {}) } as Services;
const encode = (text: string) => new TextEncoder().encode(text);

/** A stream of `total` bytes: `head`, then spaces, then `tail`, in chunks of `chunk` bytes. */
function padded(head: string, total: number, tail: string, chunk = 65_536) {
  const bytes = new Uint8Array(total).fill(0x20);
  bytes.set(encode(head), 0);
  bytes.set(encode(tail), total - tail.length);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      for (let at = 0; at < total; at += chunk) controller.enqueue(bytes.subarray(at, at + chunk));
      controller.close();
    },
  });
}

async function collect(input: AsyncIterable<Uint8Array>, maxBytes: number): Promise<InputLine[]> {
  const lines: InputLine[] = [];
  for await (const line of boundedLines(input, maxBytes)) lines.push(line);
  return lines;
}

test("a message over the limit is a -32600 error with id null; the next one is answered", async () => {
  const ping = (id: number) => `{"jsonrpc":"2.0","id":${id},"method":"ping"}`;
  // A valid message, only too long: without the limit it would be answered.
  const input = padded(ping(1), 8 * 1024 * 1024, `\n${ping(2)}\n`);
  const out: string[] = [];
  await serveStdio(services, { input, write: (l) => out.push(l), maxLineBytes: 64 * 1024 });
  const messages = out.map((l) => JSON.parse(l));
  expect(messages.length).toBe(2);
  expect(messages[0].id).toBeNull();
  expect(messages[0].error.code).toBe(-32600);
  expect(messages[0].error.message).toContain("the limit is 65536");
  expect(messages[1]).toEqual({ jsonrpc: "2.0", id: 2, result: {} });
});

test("the default limit is the HTTP body limit", async () => {
  const limit = services.config.maxBodyBytes;
  const input = padded('{"jsonrpc":"2.0","id":1,"method":"ping"}', limit + 2, "\n");
  const out: string[] = [];
  await serveStdio(services, { input, write: (l) => out.push(l) });
  expect(JSON.parse(out[0] as string).error.message).toContain(`the limit is ${limit}`);
});

test("lines are split on newlines across chunk boundaries; multi-byte characters survive", async () => {
  const text = 'a\n{"é":"ü"}\n\nlast';
  const bytes = encode(text);
  const chunks = Array.from(bytes, (b) => new Uint8Array([b])); // one byte per chunk
  expect(await collect(chunks as unknown as AsyncIterable<Uint8Array>, 100)).toEqual([
    { text: "a" },
    { text: '{"é":"ü"}' },
    { text: "" },
    { text: "last" },
  ]);
});

test("exactly the limit is accepted, one byte more is not", async () => {
  const lines = await collect(
    (async function* () {
      yield encode(`${"x".repeat(10)}\n${"y".repeat(11)}\n`);
    })(),
    10,
  );
  expect(lines).toEqual([{ text: "x".repeat(10) }, { tooLong: 11 }]);
});
