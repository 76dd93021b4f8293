/*
 * A tools worker: loads the tool files of one directory and runs their calls, on a thread
 * the server can terminate (a tool that never returns costs a restart of this thread, never
 * the server). `import … from "quiver"` resolves to api.ts through a Bun plugin, so tool
 * files need no node_modules, also inside the compiled binary. Nothing of the server is
 * reachable from here: the ctx facade asks the server thread (facade.ts) for each operation.
 */

import { plugin } from "bun";
import * as api from "./api.ts";
import { Outbox } from "./outbox.ts";
import type {
  CallerInfo,
  DeclaredTool,
  FacadeOp,
  ThrownError,
  ToHost,
  ToWorker,
} from "./protocol.ts";
import { MAX_RESULT_CHARS } from "./protocol.ts";
import { declaredTools, describeLoadError } from "./tool-file.ts";

declare const self: Worker;

plugin({
  name: "quiver",
  setup(build) {
    build.module("quiver", () => ({ exports: { ...api }, loader: "object" }));
  },
});

/**
 * A call in progress. Its AbortController (and the timer that aborts it at the timeout) is
 * made only when the tool reads ctx.signal: a tool that never reads it cannot be stopped by
 * it, and most calls then cost neither.
 */
interface Running {
  timeoutAt: number;
  controller?: AbortController;
  timer?: Timer;
  /** A cancel that came before the tool read its signal. */
  reason?: Error;
}

const tools = new Map<string, api.UserToolDefinition>();
const running = new Map<number, Running>();
const rpcs = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextRpc = 0;

const outbox = new Outbox((text) => self.postMessage(text));
const post = (m: ToHost) => outbox.push(JSON.stringify(m));

self.onmessage = (ev: MessageEvent<string>) => {
  for (const m of JSON.parse(ev.data) as ToWorker[]) receive(m);
};

function receive(m: ToWorker): void {
  if ("load" in m) void load(m.load);
  else if ("call" in m) void call(m.id, m.call, m.args, m.caller, m.timeoutMs);
  else if ("cancel" in m) {
    const call = running.get(m.id);
    if (!call) return;
    const reason = Object.assign(new Error(m.cancel.message), m.cancel);
    if (call.controller) call.controller.abort(reason);
    else call.reason ??= reason;
  } else if ("rpc" in m) {
    const waiting = rpcs.get(m.rpc);
    rpcs.delete(m.rpc);
    if (m.error) waiting?.reject(Object.assign(new Error(m.error.message), m.error));
    else waiting?.resolve(m.ok);
  } else if ("ping" in m) post({ pong: m.ping });
}

/** The call's signal, made on first read; it fires on a cancel or at the timeout. */
function signalOf(call: Running): AbortSignal {
  if (!call.controller) {
    const controller = new AbortController();
    call.controller = controller;
    if (call.reason) controller.abort(call.reason);
    // The server thread aborts us on timeout too; this timer covers a busy server thread.
    else
      call.timer = setTimeout(
        () => controller.abort(new Error("tool timeout")),
        Math.max(1, call.timeoutAt - performance.now()),
      );
  }
  return call.controller.signal;
}

async function load(files: string[]): Promise<void> {
  const declared: DeclaredTool[] = [];
  for (const file of files) {
    let mod: Record<string, unknown>;
    try {
      mod = await import(file);
    } catch (err) {
      post({ loadError: describeLoadError(err, file) });
      return;
    }
    try {
      for (const [def, info] of declaredTools(mod, file)) {
        tools.set(info.name, def);
        declared.push(info);
      }
    } catch (err) {
      post({ loadError: (err as Error).message });
      return;
    }
  }
  post({ loaded: declared });
}

async function call(
  id: number,
  name: string,
  args: unknown,
  caller: CallerInfo,
  timeoutMs: number,
) {
  const tool = tools.get(name);
  const state: Running = { timeoutAt: performance.now() + timeoutMs };
  running.set(id, state);
  try {
    if (!tool) throw new Error(`no tool named ${name} in this worker`);
    const value = await tool.run(args as never, context(id, caller, state));
    const text = JSON.stringify(value ?? null);
    if (text === undefined) throw new Error("the result is not JSON");
    if (text.length > MAX_RESULT_CHARS)
      throw new api.ToolError(
        "result_too_large",
        `the result is ${text.length} characters of JSON, over the ${MAX_RESULT_CHARS} limit`,
      );
    // The result's JSON text goes in as it is: the server thread parses it with the message.
    outbox.push(`{"id":${id},"ok":${text}}`);
  } catch (err) {
    post({ id, error: thrown(err) });
  } finally {
    if (state.timer) clearTimeout(state.timer);
    running.delete(id);
  }
}

function context(id: number, caller: CallerInfo, state: Running): api.UserToolContext {
  let watched = false;
  const ask = (op: FacadeOp, ...args: unknown[]) =>
    new Promise<never>((resolve, reject) => {
      const rpc = ++nextRpc;
      post({ id, rpc, op, args }); // throws first if the arguments are not JSON
      rpcs.set(rpc, { resolve: resolve as (v: unknown) => void, reject });
    });
  const log =
    (level: "info" | "warn" | "error") => (msg: string, fields?: Record<string, unknown>) =>
      post({ id, log: { level, msg: String(msg), fields: jsonCopy(fields) } });
  return {
    caller,
    get signal() {
      if (!watched) {
        watched = true;
        post({ id, wantsSignal: true });
      }
      return signalOf(state);
    },
    files: {
      readText: (path) => ask("readText", path),
      list: (prefix, opts) => ask("list", prefix, opts),
      writeText: (path, content) => ask("writeText", path, content),
    },
    search: (query, opts) => ask("search", query, opts),
    progress: (done, total, message) => post({ id, progress: [done, total, message] }),
    log: { info: log("info"), warn: log("warn"), error: log("error") },
  };
}

function thrown(err: unknown): ThrownError {
  if (err instanceof Error) {
    const { code, status } = err as { code?: unknown; status?: unknown };
    return {
      name: err.name,
      message: err.message,
      stack: err.stack,
      ...(typeof code === "string" ? { code } : {}),
      ...(typeof status === "number" ? { status } : {}),
    };
  }
  return { name: "Error", message: String(err) };
}

function jsonCopy(value: unknown): unknown {
  try {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  } catch {
    return String(value);
  }
}

post({ ready: true });
