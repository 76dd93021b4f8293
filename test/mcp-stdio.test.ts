import { expect, test } from "bun:test";
import { Type } from "@sinclair/typebox";
import { loadConfig } from "../src/config.ts";
import { serveStdio } from "../src/mcp/stdio.ts";
import { defineTool, type Services } from "../src/tools/define.ts";
import { ToolRegistry } from "../src/tools/registry.ts";

// The stdio transport in-process, with a stub tool that says when it starts and when its
// signal aborts: the tests watch the cancellation itself, not how long things took.
const started = new Set<() => void>();
const aborted = new Set<() => void>();
const nextEvent = (into: Set<() => void>, what: string, ms = 10_000) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
    into.add(() => {
      clearTimeout(timer);
      resolve();
    });
  });
const fire = (set: Set<() => void>) => {
  for (const f of set) f();
  set.clear();
};
const hang = defineTool({
  name: "hang",
  description: "Waits until cancelled.",
  input: Type.Object({}),
  scope: "read",
  run: (_args, ctx) =>
    new Promise((_, reject) => {
      ctx.signal?.addEventListener("abort", () => {
        fire(aborted);
        reject(Object.assign(new Error("aborted"), { name: "AbortError" }));
      });
      fire(started);
    }),
});
const services = {
  config: loadConfig({ data: "/nonexistent", quiet: true }, {}),
  tools: new ToolRegistry([hang]),
} as Services;

const line = (m: unknown) => new TextEncoder().encode(`${JSON.stringify(m)}\n`);
const call = (id: number) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: { name: "hang", arguments: {} },
});

test("notifications/cancelled aborts the call while the session goes on; no response for it", async () => {
  const out: string[] = [];
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  const running = nextEvent(started, "tool start");
  const serving = serveStdio(services, { input: stream, write: (l) => out.push(l) });
  controller.enqueue(line(call(7)));
  await running;
  const cancelled = nextEvent(aborted, "abort of the cancelled call");
  controller.enqueue(
    line({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 7 } }),
  );
  // The input is still open: only the notification can have aborted the call.
  await cancelled;
  controller.enqueue(line({ jsonrpc: "2.0", id: 8, method: "ping" }));
  controller.close();
  await serving;
  expect(out.map((l) => JSON.parse(l).id)).toEqual([8]);
});

test("on end of input, work still running is cancelled after the drain period", async () => {
  const out: string[] = [];
  const running = nextEvent(started, "tool start");
  const cancelled = nextEvent(aborted, "abort after the drain period");
  const serving = serveStdio(services, {
    input: new ReadableStream({
      start(c) {
        c.enqueue(line(call(1)));
        c.close();
      },
    }),
    write: (l) => out.push(l),
    drainMs: 100,
  });
  await running;
  await cancelled;
  await serving;
  expect(out).toEqual([]);
});
