/*
 * The server side of one tools directory: a Worker (worker.ts) that holds the directory's
 * tool files, and the tools the registry serves, whose `run` posts the call to that worker.
 * A call that passes the tool timeout is answered 504 by the pipeline; here the worker is
 * told to abort it and, when it does not answer a ping soon after (a synchronous loop), it
 * is terminated and a new one loads the same files. Other callers of the same directory's
 * tools that were in flight then get a 503 to retry; every other request never noticed.
 */

import { QuiverError, StartupError } from "../errors.ts";
import { logError, logLine } from "../log.ts";
import type { AnyTool, ToolContext } from "../tools/define.ts";
import { timedOut } from "../tools/pipeline.ts";
import { runFacadeOp } from "./facade.ts";
import { fromJsonSchema, inputSchema, SchemaError } from "./json-schema.ts";
import { Outbox } from "./outbox.ts";
import { compileOutputCheck, toolFailure } from "./outcome.ts";
import type { CallMessage, DeclaredTool, ThrownError, ToHost, ToWorker } from "./protocol.ts";

// From source, import.meta.url is this file's; in the compiled binary (worker.ts is an
// entrypoint of `bun build --compile`) it is the bundle's, at src/.
const WORKER_URL = import.meta.url.startsWith("file:///$bunfs/")
  ? new URL("./user-tools/worker.ts", import.meta.url)
  : new URL("./worker.ts", import.meta.url);
const LOAD_TIMEOUT_MS = 30_000;
/** After a timeout, how long a worker has to show it is not stuck in a loop. */
const PING_TIMEOUT_MS = 1_000;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  ctx: ToolContext;
  tool: DeclaredTool;
  /** The call's deadline (performance.now() time): it answers 504 and the worker gives up. */
  deadline: number;
  checkOutput?: (value: unknown) => void;
}

export class ToolHost {
  readonly tools: AnyTool[] = [];
  private worker!: Worker;
  private declared: DeclaredTool[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private closed = false;
  private retiring = false;
  private pongs = new Map<number, () => void>();
  /** Messages (JSON text) for a worker still loading its files (a restart's); sent once it has. */
  private queue?: string[];
  /** Why calls cannot run (a restart failed to load the files). */
  private broken?: string;
  private readonly stopped = new WeakSet<Worker>();
  private readonly outbox = new Outbox((text) => this.worker.postMessage(text), setImmediate);
  /**
   * One timer for every call's deadline, not one per call (setting and clearing a timer is
   * a measurable part of a call's cost; the pipeline sets none for these tools, see
   * `settlesByDeadline`): armed for the earliest deadline, and when it fires it answers
   * what is overdue and re-arms for the next. Unref'd while nothing is in flight.
   */
  private deadlineTimer?: Timer;
  private timerAt = Number.POSITIVE_INFINITY;

  private constructor(
    readonly dir: string,
    readonly files: string[],
  ) {}

  /** Loads the files in a new worker; any problem is a StartupError naming the file. */
  static async start(dir: string, files: string[]): Promise<ToolHost> {
    const host = new ToolHost(dir, files);
    host.declared = await host.spawn();
    for (const d of host.declared) host.tools.push(host.toolFor(d));
    return host;
  }

  /** Each tool with the file that declares it, for messages. */
  toolFiles(): { tool: AnyTool; file: string }[] {
    return this.tools.map((tool, i) => ({ tool, file: this.declared[i]!.file }));
  }

  /** Stops the worker once the calls in flight are done (a reload's old worker). */
  retire(): void {
    this.retiring = true;
    if (this.pending.size === 0) this.close();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.deadlineTimer);
    this.timerAt = Number.POSITIVE_INFINITY;
    this.outbox.drop();
    this.stop(this.worker);
    this.failAll(new QuiverError(503, "shutting_down", "the user tools were unloaded; retry"));
  }

  private spawn(): Promise<DeclaredTool[]> {
    const worker = new Worker(WORKER_URL);
    worker.unref();
    this.worker = worker;
    this.queue = [];
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stop(worker);
        reject(
          new StartupError(
            `the tools in ${this.dir} did not load within ${LOAD_TIMEOUT_MS / 1000}s`,
          ),
        );
      }, LOAD_TIMEOUT_MS);
      const loading = (m: ToHost) => {
        if ("ready" in m)
          worker.postMessage(JSON.stringify([{ load: this.files } satisfies ToWorker]));
        else if ("loaded" in m) {
          clearTimeout(timer);
          const queued = this.queue ?? [];
          this.queue = undefined;
          if (queued.length > 0) worker.postMessage(`[${queued.join(",")}]`);
          resolve(m.loaded);
          return true;
        } else if ("loadError" in m) {
          clearTimeout(timer);
          this.stop(worker);
          reject(new StartupError(`cannot load a user tool: ${m.loadError}`));
        }
        return false;
      };
      let loaded = false;
      worker.onmessage = (ev: MessageEvent<string>) => {
        for (const m of JSON.parse(ev.data) as ToHost[]) {
          if (loaded) this.receive(m);
          else loaded = loading(m);
        }
      };
      worker.onerror = (ev) => {
        ev.preventDefault?.();
        logError("user tools worker failed", { dir: this.dir, error: ev.error ?? ev.message });
        if (worker !== this.worker) return;
        clearTimeout(timer);
        reject(new StartupError(`cannot load the tools in ${this.dir}: ${ev.message}`));
        this.restart("the worker failed", 502, "tool_crashed");
      };
      worker.addEventListener("close", () => {
        if (worker === this.worker && !this.stopped.has(worker))
          this.restart("the worker exited", 502, "tool_crashed");
      });
    });
  }

  private toolFor(d: DeclaredTool): AnyTool {
    const where = `${d.file}: tool "${d.name}"`;
    let input: ReturnType<typeof inputSchema>;
    let output: ReturnType<typeof fromJsonSchema> | undefined;
    try {
      input = inputSchema(d.input, `${where} input`);
      output = d.output ? fromJsonSchema(d.output, `${where} output`) : undefined;
    } catch (err) {
      if (err instanceof SchemaError) throw new StartupError(err.message);
      throw err;
    }
    const checkOutput = output ? compileOutputCheck(d, output) : undefined;
    return {
      name: d.name,
      ...(d.title ? { title: d.title } : {}),
      description: d.description,
      scope: d.scope,
      input: input as AnyTool["input"],
      ...(output ? { output } : {}),
      ...(d.annotations ? { annotations: d.annotations } : {}),
      settlesByDeadline: true,
      run: (args, ctx) => this.call(d, args, ctx, checkOutput),
    };
  }

  private call(
    tool: DeclaredTool,
    args: unknown,
    ctx: ToolContext,
    checkOutput?: (value: unknown) => void,
  ): Promise<unknown> {
    if (this.closed)
      return Promise.reject(
        new QuiverError(503, "shutting_down", "the user tools were unloaded; retry"),
      );
    if (this.broken)
      return Promise.reject(
        new QuiverError(
          503,
          "tools_unavailable",
          `the user tools cannot run: ${this.broken}; fix the file and send SIGHUP`,
        ),
      );
    const id = ++this.nextId;
    const { deadline } = ctx;
    // Whole milliseconds: shorter JSON, and the worker's own timer needs no finer.
    const timeoutMs = Math.max(1, Math.ceil(deadline - performance.now()));
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.deadlineTimer?.ref();
      this.pending.set(id, { resolve, reject, ctx, tool, deadline, checkOutput });
      if (deadline < this.timerAt) this.armDeadline(deadline);
      const { name, scope } = ctx.caller;
      this.post([id, tool.name, args, name, scope, timeoutMs] satisfies CallMessage);
    });
  }

  private armDeadline(at: number): void {
    clearTimeout(this.deadlineTimer);
    this.timerAt = at;
    this.deadlineTimer = setTimeout(this.expireOverdue, Math.max(1, at - performance.now()));
    if (this.pending.size === 0) this.deadlineTimer.unref();
  }

  private readonly expireOverdue = (): void => {
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [id, p] of [...this.pending]) {
      if (p.deadline <= now) this.timedOut(id);
      else if (p.deadline < next) next = p.deadline;
    }
    if (next < Number.POSITIVE_INFINITY && !this.closed) this.armDeadline(next);
  };

  private receive(m: ToHost): void {
    if (Array.isArray(m)) {
      const [id, ok] = m;
      const p = this.pending.get(id);
      if (!p) return; // answered already (timed out)
      this.settle(id);
      try {
        p.checkOutput?.(ok);
        p.resolve(ok);
      } catch (err) {
        p.reject(err as Error);
      }
      return;
    }
    if ("pong" in m) {
      this.pongs.get(m.pong)?.();
      return;
    }
    if (!("id" in m)) return;
    const p = this.pending.get(m.id);
    if (!p) return; // answered already (timed out)
    if ("error" in m) {
      this.settle(m.id);
      p.reject(toolFailure(m.error, p.tool));
    } else if ("rpc" in m)
      runFacadeOp(m.op, m.args.map(absentIfNull), p.ctx)
        .then((ok) => this.post({ rpc: m.rpc, ok }))
        .catch((err) => this.post({ rpc: m.rpc, error: plainError(err) }));
    else if ("progress" in m) {
      const [done, total, message] = m.progress;
      p.ctx.progress?.(done, absentIfNull(total), absentIfNull(message));
    } else if ("wantsSignal" in m)
      p.ctx.signal.addEventListener(
        "abort",
        () => {
          const reason = p.ctx.signal.reason as QuiverError;
          this.post({
            id: m.id,
            cancel: { status: reason.status, code: reason.code, message: reason.message },
          });
          // Answered now (the client is gone); the call stays pending until the worker is
          // done with it or its deadline, so a tool stuck in a loop is still found.
          p.reject(reason);
        },
        { once: true },
      );
    else if ("log" in m)
      logLine({
        level: m.log.level,
        msg: m.log.msg.slice(0, 2000),
        tool: p.tool.name,
        file: p.tool.file,
        fields: m.log.fields,
      });
  }

  /** The call is answered: forgets it (its Pending is the caller's to settle). */
  private settle(id: number): void {
    if (!this.pending.delete(id) || this.pending.size > 0) return;
    this.deadlineTimer?.unref();
    if (this.retiring) this.close();
  }

  /** Past the deadline: 504, abort the call in the worker; restart it unless it answers a ping. */
  private timedOut(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.post({
      id,
      cancel: { status: 504, message: "the tool timeout passed", code: "tool_timeout" },
    });
    this.settle(id);
    p.reject(timedOut(p.tool, p.ctx.config.toolTimeoutMs));
    const worker = this.worker;
    const ping = ++this.nextId;
    const stuck = setTimeout(() => {
      this.pongs.delete(ping);
      if (worker === this.worker && !this.closed)
        this.restart(
          `"${p.tool.name}" did not return and its worker is not responding`,
          503,
          "tools_restarting",
        );
    }, PING_TIMEOUT_MS);
    this.pongs.set(ping, () => {
      clearTimeout(stuck);
      this.pongs.delete(ping);
    });
    this.post({ ping });
  }

  /** A new worker for the same files; calls that were in flight answer `status` (retry). */
  private restart(why: string, status: number, code: string): void {
    if (this.closed) return;
    logError("restarting the user tools worker", { dir: this.dir, why });
    const old = this.worker;
    old.onmessage = null;
    this.outbox.drop(); // for the old worker's calls, which fail below
    this.stop(old);
    this.failAll(
      new QuiverError(status, code, `the user tools of this server restarted (${why}); retry`, {
        "retry-after": "1",
      }),
    );
    this.spawn().then(
      (declared) => {
        this.broken = undefined;
        const names = declared.map((d) => d.name).join(",");
        if (names !== this.declared.map((d) => d.name).join(","))
          logError("the user tool files changed on disk; send SIGHUP to reload them", {
            dir: this.dir,
          });
      },
      (err) => {
        this.broken = (err as Error).message;
        logError("user tools did not restart", { dir: this.dir, error: err });
      },
    );
  }

  private failAll(err: QuiverError): void {
    for (const [id, p] of [...this.pending]) {
      this.settle(id);
      p.reject(err);
    }
  }

  private post(m: ToWorker): void {
    const json = JSON.stringify(m);
    if (this.queue) this.queue.push(json);
    else this.outbox.push(json);
  }

  private stop(worker: Worker): void {
    this.stopped.add(worker);
    worker.terminate();
  }
}

/** An argument the tool left out: JSON carries an `undefined` in an array as null. */
function absentIfNull<T>(value: T | null): T | undefined {
  return value === null ? undefined : value;
}

function plainError(err: unknown): ThrownError {
  const e = err as QuiverError;
  return {
    name: e?.name ?? "Error",
    message: String(e?.message ?? err),
    ...(typeof e?.code === "string" ? { code: e.code } : {}),
    ...(typeof e?.status === "number" ? { status: e.status } : {}),
  };
}
