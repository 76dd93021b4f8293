import type { Static, TObject, TSchema } from "@sinclair/typebox";
import type { ChangeFeed } from "../changes.ts";
import type { Config } from "../config.ts";
import type { Files } from "../store/interfaces/files.ts";
import type { Jobs } from "../store/interfaces/jobs.ts";
import type { Index } from "../store/interfaces/search.ts";
import type { Caller, Scope } from "../store/tokens.ts";
import type { ToolRegistry } from "./registry.ts";

/**
 * What a tool handler may use. Handlers never see HTTP or JSON-RPC objects, so every
 * transport (REST, MCP over HTTP and stdio, the CLI) shares them through the pipeline.
 */
export interface Services {
  config: Config;
  files: Files;
  index: Index;
  jobs: Jobs;
  /** The tools the pipeline may run. */
  tools: ToolRegistry;
  /** Files written or deleted and tools reloaded, for MCP change notifications. */
  changes: ChangeFeed;
}

/** Reports progress of long work (MCP `notifications/progress`). */
export type ProgressReporter = (done: number, total?: number, message?: string) => void;

export interface ToolContext extends Services {
  caller: Caller;
  /**
   * Fires when the client goes away or the tool timeout passes; its reason is the
   * QuiverError the call answers with. Write tools hand it to the store, which checks it
   * just before it commits: a call that timed out never takes effect afterwards.
   */
  readonly signal: AbortSignal;
  /**
   * When the tool timeout passes, on the `performance.now()` clock. No timer fires while
   * synchronous work runs, so such work checks this itself (e.g. a query's progress handler).
   */
  readonly deadline: number;
  progress?: ProgressReporter;
}

/** MCP tool annotations (hints for clients; also shown to Claude in descriptions). */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolDefinition<I extends TObject = TObject, O extends TSchema = TSchema> {
  /** `^[a-zA-Z0-9_-]{1,64}$`, kept short: MCP clients prefix `mcp__<server>__`. */
  name: string;
  title?: string;
  /** What the tool does and what it returns: Claude reads this to choose the tool. */
  description: string;
  input: I;
  /**
   * When declared, every result is checked against it (a mismatch is a bug: 500) and MCP
   * results carry it as `structuredContent`.
   */
  output?: O;
  annotations?: ToolAnnotations;
  /** The token scope a caller needs. */
  scope: Scope;
  run(args: Static<I>, ctx: ToolContext): Promise<Static<O>> | Static<O>;
  /**
   * The promise `run` returns settles by `ctx.deadline` on its own (504 timedOut, or the
   * signal's reason once the tool has read it), so the pipeline sets no timer per call: the
   * user-tools host keeps one timer for all its calls, and a timer per call was a measurable
   * part of a small call's cost.
   */
  settlesByDeadline?: true;
  /** The stored files a result names: MCP adds a `resource_link` block for each. */
  filesNamed?(result: Static<O>): readonly NamedFile[];
}

/** A stored file a tool result mentions, with what the result says about it. */
export interface NamedFile {
  path: string;
  size?: number;
  content_type?: string;
}

export type AnyTool = ToolDefinition<TObject, TSchema>;

export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Declares a tool. Identity at run time; it exists for type inference and one check. */
export function defineTool<I extends TObject, O extends TSchema = TSchema>(
  def: ToolDefinition<I, O>,
): ToolDefinition<I, O> {
  if (!TOOL_NAME.test(def.name)) throw new Error(`tool name "${def.name}" must match ${TOOL_NAME}`);
  return def;
}
