// The bench's server for bench/user-tools.ts: `quiver serve` as src/cli/serve.ts starts
// it, with user tools from --tools and --tools-config, plus one tool defined the way the
// built-in ones are (in the server thread), so all three kinds are measured in one process,
// and two that answer through a bare Worker: one message per call, and the floor of a
// worker hop, one message per event-loop turn each way.
// Usage: bun bench/lib/user-tools-server.ts --port P --data DIR --tools DIR --tools-config FILE
import { parseArgs } from "node:util";
import { Type } from "@sinclair/typebox";
import { loadConfig } from "../../src/config.ts";
import { startServer } from "../../src/server/serve.ts";
import { openSqliteServices } from "../../src/services.ts";
import { defineTool } from "../../src/tools/define.ts";
import { ToolRegistry } from "../../src/tools/registry.ts";
import { UserToolsRuntime } from "../../src/user-tools/runtime.ts";

/** The same trivial tool as bench/user-tools.ts writes as a module file. */
export const echoInline = defineTool({
  name: "echo_inline",
  description: "Echoes. Returns {said}.",
  scope: "read",
  input: Type.Object({ say: Type.String() }),
  run: ({ say }) => ({ said: say }),
});

/**
 * A bare Worker hop, one call a message: the same tool in the server thread, but its answer
 * comes from a Worker that echoes each message (one postMessage each way, a structured
 * clone of a small object, nothing else). Not a floor: batching is cheaper (below).
 */
const echoer = new Worker(
  URL.createObjectURL(
    new Blob(["self.onmessage = (e) => self.postMessage({ id: e.data.id, said: e.data.say });"]),
  ),
);
const echoes = new Map<number, (said: string) => void>();
echoer.onmessage = (e: MessageEvent<{ id: number; said: string }>) => {
  echoes.get(e.data.id)?.(e.data.said);
  echoes.delete(e.data.id);
};
let nextEcho = 0;
export const echoBareWorker = defineTool({
  name: "echo_bare_worker",
  description: "Echoes through a bare Worker. Returns {said}.",
  scope: "read",
  input: Type.Object({ say: Type.String() }),
  run: ({ say }) =>
    new Promise<{ said: string }>((resolve) => {
      const id = ++nextEcho;
      echoes.set(id, (said) => resolve({ said }));
      echoer.postMessage({ id, say });
    }),
});

/**
 * The floor of a worker hop as the tools host makes it: calls of one event-loop turn go as
 * one message of JSON text, and the worker answers them in one (src/user-tools/outbox.ts),
 * with nothing else a call needs (no deadline, no ctx, no caller).
 */
const batcher = new Worker(
  URL.createObjectURL(
    new Blob([
      "self.onmessage = (e) => self.postMessage(JSON.stringify(JSON.parse(e.data).map((m) => ({ id: m.id, said: m.say }))));",
    ]),
  ),
);
const batched = new Map<number, (said: string) => void>();
batcher.onmessage = (e: MessageEvent<string>) => {
  for (const m of JSON.parse(e.data) as { id: number; said: string }[]) {
    batched.get(m.id)?.(m.said);
    batched.delete(m.id);
  }
};
let batch: string[] = [];
const sendBatch = () => {
  batcher.postMessage(`[${batch.join(",")}]`);
  batch = [];
};
export const echoBatchedWorker = defineTool({
  name: "echo_batched_worker",
  description: "Echoes through a bare Worker, calls batched per event-loop turn. Returns {said}.",
  scope: "read",
  input: Type.Object({ say: Type.String() }),
  run: ({ say }) =>
    new Promise<{ said: string }>((resolve) => {
      const id = ++nextEcho;
      batched.set(id, (said) => resolve({ said }));
      if (batch.length === 0) setImmediate(sendBatch);
      batch.push(JSON.stringify({ id, say }));
    }),
});

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    data: { type: "string" },
    tools: { type: "string", multiple: true },
    "tools-config": { type: "string" },
  },
});
const config = loadConfig({ ...values, quiet: true, "rate-limit": "0" });
const services = openSqliteServices(config, { create: true });
await UserToolsRuntime.start(services, { dirs: config.toolDirs, configFile: config.toolsConfig });
services.tools = new ToolRegistry([
  ...services.tools.tools,
  echoInline,
  echoBareWorker,
  echoBatchedWorker,
]);
startServer(services);
