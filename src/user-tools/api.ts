/*
 * What `import … from "quiver"` gives a user's tool file: `defineTool`, the schema builder
 * `t` (TypeBox's `Type`) and `ToolError`. The worker (worker.ts) serves this module to the
 * files it loads; `quiver types` writes the matching declarations (types.ts). Kept free of
 * quiver's internals: nothing here can reach the store or the server.
 */

import type { Static, TObject, TSchema } from "@sinclair/typebox";

export { Type as t } from "@sinclair/typebox";

export type Scope = "read" | "write" | "admin";

/** What a user tool may use: files and search within the caller's scope, a signal, progress, a logger. */
export interface UserToolContext {
  /** Who called (the token's name and scope). */
  readonly caller: { name: string; scope: Scope };
  /** Fires when the tool timeout passes or the client goes away. */
  readonly signal: AbortSignal;
  readonly files: {
    /** A stored text file, whole (at most 8 MiB); needs scope read. */
    readText(path: string): Promise<string>;
    /** One page of stored files under a prefix; needs scope read. */
    list(
      prefix?: string,
      opts?: { limit?: number; cursor?: string },
    ): Promise<{ files: { path: string; size: number; is_text: boolean }[]; next_cursor?: string }>;
    /** Stores a text file; needs scope write (the caller's, not the tool's). */
    writeText(path: string, content: string): Promise<{ path: string; size: number }>;
  };
  /** Full-text search over stored files, as the `search` tool; needs scope read. */
  search(query: string, opts?: { limit?: number; offset?: number }): Promise<unknown>;
  /** Reports progress (MCP `notifications/progress`). */
  progress(done: number, total?: number, message?: string): void;
  readonly log: {
    info(msg: string, fields?: Record<string, unknown>): void;
    warn(msg: string, fields?: Record<string, unknown>): void;
    error(msg: string, fields?: Record<string, unknown>): void;
  };
}

export interface UserToolDefinition<I extends TObject = TObject, O = unknown> {
  /** `^[a-zA-Z0-9_-]{1,64}$`; must not clash with a built-in tool or another file's. */
  name: string;
  title?: string;
  /** What the tool does and what it returns: Claude reads this to choose the tool. */
  description: string;
  /** The token scope a caller needs. */
  scope: Scope;
  /** A TypeBox object schema (`t.Object`) or a plain JSON Schema object. */
  input: I | Record<string, unknown>;
  /** When given, results are checked against it and MCP returns them as structuredContent. */
  output?: TSchema | Record<string, unknown>;
  annotations?: Record<string, unknown>;
  run(args: Static<I>, ctx: UserToolContext): O | Promise<O>;
}

export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** Marks a tool definition. Checked again (with the file's name) when the file loads. */
export function defineTool<I extends TObject, O>(
  def: UserToolDefinition<I, O>,
): UserToolDefinition<I, O> {
  if (!TOOL_NAME.test(String(def?.name)))
    throw new Error(`tool name ${JSON.stringify(def?.name)} must match ${TOOL_NAME}`);
  return def;
}

/**
 * An expected failure with a code and a 4xx status the caller sees, e.g.
 * `throw new ToolError("not_found", "no such customer", 404)`. Anything else a tool throws
 * answers 422 tool_error with its message.
 */
export class ToolError extends Error {
  override name = "ToolError";
  constructor(
    readonly code: string,
    message: string,
    readonly status = 422,
  ) {
    super(message);
  }
}
