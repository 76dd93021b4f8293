import type { Static, TObject, TSchema } from "@sinclair/typebox";
import type { Config } from "../config.ts";
import type { FileStore } from "../store/files.ts";
import type { JobQueue } from "../store/jobs.ts";
import type { SearchIndex } from "../store/search.ts";
import type { Caller, Scope } from "../store/tokens.ts";

/**
 * What a tool handler may use. Handlers never see HTTP or JSON-RPC objects, so tests call
 * them directly and every transport (REST, MCP over HTTP, MCP over stdio) shares them.
 * Later features (search index, job queue) add their service here.
 */
export interface Services {
  config: Config;
  files: FileStore;
  index: SearchIndex;
  jobs: JobQueue;
}

export interface ToolContext extends Services {
  caller: Caller;
  /** Aborted when the client goes away or the call times out. */
  signal?: AbortSignal;
  /** Reports progress of long work (MCP `notifications/progress`). */
  progress?: (done: number, total?: number, message?: string) => void;
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
  /** When declared, MCP results carry `structuredContent` that validates against it. */
  output?: O;
  annotations?: ToolAnnotations;
  /** The token scope a caller needs. */
  scope: Scope;
  run(args: Static<I>, ctx: ToolContext): Promise<Static<O>> | Static<O>;
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
