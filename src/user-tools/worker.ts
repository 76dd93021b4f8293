/*
 * A tools worker: loads the tool files of one directory and runs their calls, on a thread
 * the server can terminate (a tool that never returns costs a restart of this thread, never
 * the server). `import … from "quiver"` resolves to api.ts through a Bun plugin, so tool
 * files need no node_modules, also inside the compiled binary. Nothing of the server is
 * reachable from here: the ctx facade asks the server thread (facade.ts) for each operation.
 */

import { plugin } from "bun";
import * as api from "./api.ts";
import { CallContext, type Running, type ServerLink } from "./call-context.ts";
import { Outbox } from "./outbox.ts";
import type {
  CallMessage,
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

const tools = new Map<string, api.UserToolDefinition>();
const running = new Map<number, Running>();
const rpcs = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
let nextRpc = 0;

const outbox = new Outbox((text) => self.postMessage(text));
const post = (m: ToHost) => outbox.push(JSON.stringify(m));
const link: ServerLink = { post, ask };

self.onmessage = (ev: MessageEvent<string>) => {
  // The calls' deadlines count from when their message came: one clock read a message.
  const received = performance.now();
  for (const m of JSON.parse(ev.data) as ToWorker[]) {
    if (Array.isArray(m)) call(m, received);
    else receive(m);
  }
};

function receive(m: Exclude<ToWorker, CallMessage>): void {
  if ("load" in m) void load(m.load);
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

/**
 * Runs a call; a synchronous tool answers at once, without a trip through the microtasks.
 * Only a call still running when `run` returns is kept in `running` (for a cancel to find):
 * nothing else can reach this thread before then.
 */
function call(m: CallMessage, received: number): void {
  const [id, name, args, callerName, callerScope, timeoutMs] = m;
  const tool = tools.get(name);
  const state: Running = { id, callerName, callerScope, timeoutAt: received + timeoutMs };
  let value: unknown;
  try {
    if (!tool) throw new Error(`no tool named ${name} in this worker`);
    value = tool.run(args as never, new CallContext(state, link));
    if (isThenable(value)) {
      running.set(id, state);
      Promise.resolve(value).then(
        (result) => answer(state, result),
        (err) => fail(state, err),
      );
      return;
    }
  } catch (err) {
    fail(state, err);
    return;
  }
  answer(state, value);
}

function answer(state: Running, value: unknown): void {
  let text: string | undefined;
  try {
    text = JSON.stringify(value ?? null);
    if (text === undefined) throw new Error("the result is not JSON");
    if (text.length > MAX_RESULT_CHARS)
      throw new api.ToolError(
        "result_too_large",
        `the result is ${text.length} characters of JSON, over the ${MAX_RESULT_CHARS} limit`,
      );
  } catch (err) {
    fail(state, err);
    return;
  }
  // The result's JSON text goes in as it is (a ResultMessage): the server thread parses it
  // with the message.
  outbox.push(`[${state.id},${text}]`);
  done(state);
}

function fail(state: Running, err: unknown): void {
  post({ id: state.id, error: thrown(err) });
  done(state);
}

function done(state: Running): void {
  if (state.timer) clearTimeout(state.timer);
  running.delete(state.id);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}

/** A facade operation, run by the server thread as the caller. */
function ask(id: number, op: FacadeOp, args: unknown[]): Promise<never> {
  return new Promise<never>((resolve, reject) => {
    const rpc = ++nextRpc;
    post({ id, rpc, op, args }); // throws first if the arguments are not JSON
    rpcs.set(rpc, { resolve: resolve as (v: unknown) => void, reject });
  });
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

post({ ready: true });
