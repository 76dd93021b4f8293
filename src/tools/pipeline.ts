import { AuthError, internalError, knownError, QuiverError } from "../errors.ts";
import { type Caller, type Scope, scopeAllows } from "../store/tokens.ts";
import type { AnyTool, ProgressReporter, Services, ToolContext } from "./define.ts";
import { validateParameters, validateResult } from "./validate.ts";

/** One call, as a transport translated it from its own message. */
export interface ToolCall {
  /** The tool's name, as the client sent it. */
  name: string;
  caller: Caller;
  /** The parameters, as sent (undefined means none). */
  params?: unknown;
  /**
   * Or how to read them: run only once the tool exists and the caller may call it, so
   * nobody makes us read a body for a tool that is not there or not theirs.
   */
  readParams?: () => Promise<unknown>;
  /**
   * Fires when the client goes away. A function where merely reading the signal costs
   * something (Bun sets up abort tracking when `Request.signal` is read): it is read only
   * when the tool reads its own.
   */
  clientSignal?: AbortSignal | (() => AbortSignal);
  progress?: ProgressReporter;
  /** Told the tool as soon as it is known (the access log names it; MCP shapes its result). */
  onTool?: (tool: AnyTool) => void;
}

/**
 * The only way a tool runs, for every transport (typed route, /tools/call, MCP over HTTP
 * and stdio, the CLI): look the tool up by name → check the caller's scope → validate and
 * default the parameters → run it with one AbortSignal (client gone or tool timeout) →
 * validate the result against the output schema, when declared → turn every failure into
 * a QuiverError. Transports only translate their message into a ToolCall and the outcome
 * back; nothing else looks tools up or checks tool scopes.
 */
export async function callTool(services: Services, call: ToolCall): Promise<unknown> {
  const tool = services.tools.find(call.name);
  if (!tool)
    throw new QuiverError(
      404,
      "unknown_tool",
      `no tool named ${JSON.stringify(call.name)}; the tools are ${services.tools.names.join(", ")}`,
    );
  call.onTool?.(tool);
  requireScope(call.caller, tool.scope, `tool "${tool.name}"`);
  const args = validateParameters(tool, call.readParams ? await call.readParams() : call.params);
  const timeoutMs = services.config.toolTimeoutMs;
  // Made only when needed (a tool reading its signal, or one that returns a promise): a
  // small synchronous call, the common case, allocates nothing for it.
  let cancel: Cancellation | undefined;
  const cancellation = () => (cancel ??= new Cancellation(call.clientSignal));
  const ctx: ToolContext = {
    ...services,
    caller: call.caller,
    deadline: performance.now() + timeoutMs,
    progress: call.progress,
    get signal() {
      return cancellation().signal;
    },
  };
  let value: unknown;
  try {
    const pending = tool.run(args as never, ctx);
    // A synchronous tool has finished (and taken effect): no timer could have stopped it.
    if (!(pending instanceof Promise)) value = pending;
    else if (tool.settlesByDeadline) value = await pending;
    else value = await cancellation().race(pending, tool, timeoutMs);
  } catch (err) {
    throw failure(err, tool, cancel?.reason);
  }
  validateResult(tool, value);
  return value;
}

/**
 * The one scope rule, for tools and for what else a transport serves from the store
 * (MCP resources): a 403 insufficient_scope naming what needed it.
 */
export function requireScope(caller: Caller, needed: Scope, what: string): void {
  if (!scopeAllows(caller.scope, needed))
    throw new AuthError(
      403,
      "insufficient_scope",
      `${what} needs a token with scope "${needed}"; yours has "${caller.scope}"`,
      { error: "insufficient_scope", scope: needed },
    );
}

/** Whether the caller may call the tool: listings show each caller only those. */
export function mayCall(caller: Pick<Caller, "scope">, tool: AnyTool): boolean {
  return scopeAllows(caller.scope, tool.scope);
}

function failure(err: unknown, tool: AnyTool, reason: QuiverError | undefined): QuiverError {
  const known = knownError(err);
  if (known) return known;
  // A tool that passed its signal on (fetch, Bun.sleep…) fails with an AbortError: the
  // answer is why the signal fired.
  if ((err as Error)?.name === "AbortError")
    return reason ?? new QuiverError(499, "cancelled", `"${tool.name}" was cancelled`);
  return internalError(
    `internal error while running "${tool.name}"; the server log has the details`,
    err,
  );
}

/**
 * The call's one AbortSignal, made only when a tool reads it. It fires with a QuiverError
 * as its reason: 504 when the tool timeout passes, 499 when the client goes away.
 */
class Cancellation {
  reason?: QuiverError;
  private controller?: AbortController;
  private onAbort?: (reason: QuiverError) => void;

  constructor(private readonly client: ToolCall["clientSignal"]) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
      const client = typeof this.client === "function" ? this.client() : this.client;
      if (client?.aborted) this.abort(clientGone());
      else client?.addEventListener("abort", () => this.abort(clientGone()), { once: true });
    }
    return this.controller.signal;
  }

  abort(reason: QuiverError): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller?.abort(reason);
    this.onAbort?.(reason);
  }

  /** The tool's result, unless the signal fires first (the tool may still be winding down). */
  race(pending: Promise<unknown>, tool: AnyTool, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.abort(timedOut(tool, timeoutMs)), timeoutMs);
      this.onAbort = reject;
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (err) => {
          clearTimeout(timer);
          reject(err);
        },
      );
    });
  }
}

/** The answer when the tool timeout passes (also given by tools that settle by the deadline). */
export const timedOut = (tool: Pick<AnyTool, "name">, ms: number) =>
  new QuiverError(
    504,
    "tool_timeout",
    `tool "${tool.name}" took longer than ${ms / 1000}s; for long work use a job (import_path) and poll job_status`,
  );

const clientGone = () =>
  new QuiverError(499, "client_closed", "the client went away before the call finished");
