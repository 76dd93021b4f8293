import { expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { loadConfig } from "../src/config.ts";
import { serveStdio } from "../src/mcp/stdio.ts";
import { defineTool, type Services } from "../src/tools/define.ts";
import { ToolRegistry } from "../src/tools/registry.ts";

// The stdio transport in-process, with stub tools: cancellation and shutdown timing.
const hang = defineTool({
  name: "hang",
  description: "Waits until cancelled.",
  input: Type.Object({}),
  scope: "read",
  run: (_args, ctx) =>
    new Promise((_, reject) =>
      ctx.signal?.addEventListener("abort", () =>
        reject(Object.assign(new Error("aborted"), { name: "AbortError" })),
      ),
    ),
});
const services = {
  config: loadConfig({ data: "/nonexistent", quiet: true }, {}),
  tools: new ToolRegistry([hang]),
} as Services;

function input(lines: unknown[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      for (const l of lines) controller.enqueue(new TextEncoder().encode(`${JSON.stringify(l)}\n`));
      controller.close();
    },
  });
}

test("notifications/cancelled aborts the request and no response is sent for it", async () => {
  const out: string[] = [];
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (m: unknown) =>
        controller.enqueue(new TextEncoder().encode(`${JSON.stringify(m)}\n`));
      send({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "hang", arguments: {} },
      });
      send({ jsonrpc: "2.0", id: 8, method: "ping" });
      setTimeout(
        () => send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7 } }),
        20,
      );
      setTimeout(() => controller.close(), 60);
    },
  });
  await serveStdio(services, { input: stream, write: (l) => out.push(l) });
  expect(out.map((l) => JSON.parse(l).id)).toEqual([8]);
});

test("on end of input, work still running is cancelled after the drain period", async () => {
  const out: string[] = [];
  const started = Date.now();
  await serveStdio(services, {
    input: input([
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "hang", arguments: {} } },
    ]),
    write: (l) => out.push(l),
    drainMs: 100,
  });
  expect(Date.now() - started).toBeLessThan(1000);
  expect(out).toEqual([]);
});
