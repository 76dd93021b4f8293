/*
 * What one call in a tools worker (worker.ts) holds, and the ctx its tool sees. The ctx
 * reaches the server thread only through a ServerLink: messages, and facade operations
 * the server thread runs as the caller.
 */

import type * as api from "./api.ts";
import type { CallerInfo, FacadeOp, ToHost } from "./protocol.ts";

export interface ServerLink {
  post(message: ToHost): void;
  ask(id: number, op: FacadeOp, args: unknown[]): Promise<never>;
}

/**
 * A call in progress. Its AbortController (and the timer that aborts it at the timeout) is
 * made only when the tool reads ctx.signal: a tool that never reads it cannot be stopped by
 * it, and most calls then cost neither.
 */
export interface Running {
  id: number;
  callerName: string;
  callerScope: api.Scope;
  timeoutAt: number;
  /** The tool read ctx.signal (the server thread is told once, to forward a client abort). */
  watched?: boolean;
  controller?: AbortController;
  timer?: Timer;
  /** A cancel that came before the tool read its signal. */
  reason?: Error;
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

/**
 * A call's ctx. Its parts are made on first use: making an object literal with a getter
 * and a dozen closures was a third of the worker's time per call (profiled), and most
 * tools use one or two of them. Destructuring (`const { files, signal } = ctx`) works.
 */
export class CallContext implements api.UserToolContext {
  readonly #call: Running;
  readonly #link: ServerLink;
  #caller?: CallerInfo;
  #files?: api.UserToolContext["files"];
  #log?: api.UserToolContext["log"];

  constructor(call: Running, link: ServerLink) {
    this.#call = call;
    this.#link = link;
  }

  get caller(): CallerInfo {
    const call = this.#call;
    this.#caller ??= { name: call.callerName, scope: call.callerScope };
    return this.#caller;
  }

  get signal(): AbortSignal {
    const call = this.#call;
    if (!call.watched) {
      call.watched = true;
      this.#link.post({ id: call.id, wantsSignal: true });
    }
    return signalOf(call);
  }

  get files(): api.UserToolContext["files"] {
    const { ask } = this.#link;
    const id = this.#call.id;
    this.#files ??= {
      readText: (path) => ask(id, "readText", [path]),
      list: (prefix, opts) => ask(id, "list", [prefix, opts]),
      writeText: (path, content) => ask(id, "writeText", [path, content]),
    };
    return this.#files;
  }

  get search(): api.UserToolContext["search"] {
    const { ask } = this.#link;
    const id = this.#call.id;
    return (query, opts) => ask(id, "search", [query, opts]);
  }

  get progress(): api.UserToolContext["progress"] {
    const { post } = this.#link;
    const id = this.#call.id;
    return (done, total, message) => post({ id, progress: [done, total, message] });
  }

  get log(): api.UserToolContext["log"] {
    const { post } = this.#link;
    const id = this.#call.id;
    const log =
      (level: "info" | "warn" | "error") => (msg: string, fields?: Record<string, unknown>) =>
        post({ id, log: { level, msg: String(msg), fields: jsonCopy(fields) } });
    this.#log ??= { info: log("info"), warn: log("warn"), error: log("error") };
    return this.#log;
  }
}

function jsonCopy(value: unknown): unknown {
  try {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  } catch {
    return String(value);
  }
}
