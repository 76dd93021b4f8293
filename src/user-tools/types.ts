/*
 * The declarations `quiver types` writes beside the runtime files in .quiver/, for editors
 * and tsc: "quiver" (defineTool, t, ToolError, the ctx facade) and "quiver/testing". `t`
 * is declared as the subset of TypeBox that infers a tool's parameter types; at run time
 * it is TypeBox's whole `Type`.
 */

export const QUIVER_DTS = `// Written by \`quiver types\`; regenerate it rather than editing it.
export interface TSchema { readonly static: unknown; [keyword: string]: unknown }
interface Of<T> extends TSchema { readonly static: T }
interface Opt<T> extends TSchema { readonly static: T; readonly optional: true }
type Props = Record<string, TSchema>;
type Required<P extends Props> = { [K in keyof P as P[K] extends Opt<unknown> ? never : K]: P[K]["static"] };
type Optional<P extends Props> = { [K in keyof P as P[K] extends Opt<unknown> ? K : never]?: P[K]["static"] };
export interface TObject<P extends Props = Props> extends TSchema {
  readonly static: Required<P> & Optional<P>;
  properties: P;
}
export type Static<T extends TSchema> = T["static"];
type Options = { description?: string; title?: string; default?: unknown; [keyword: string]: unknown };

/** TypeBox's schema builder (the subset declared here infers parameter types). */
export declare const t: {
  Object<P extends Props>(properties: P, options?: Options): TObject<P>;
  String(options?: Options): Of<string>;
  Number(options?: Options): Of<number>;
  Integer(options?: Options): Of<number>;
  Boolean(options?: Options): Of<boolean>;
  Null(options?: Options): Of<null>;
  Unknown(options?: Options): Of<unknown>;
  Literal<V extends string | number | boolean>(value: V, options?: Options): Of<V>;
  Array<T extends TSchema>(items: T, options?: Options): Of<T["static"][]>;
  Union<T extends TSchema[]>(types: [...T], options?: Options): Of<T[number]["static"]>;
  Record<V extends TSchema>(key: Of<string>, value: V, options?: Options): Of<Record<string, V["static"]>>;
  Optional<T extends TSchema>(schema: T): Opt<T["static"]>;
};

export type Scope = "read" | "write" | "admin";

/** What a tool may use: files and search with the caller's scope, a signal, progress, a logger. */
export interface UserToolContext {
  readonly caller: { name: string; scope: Scope };
  /** Fires when the tool timeout passes or the client goes away. */
  readonly signal: AbortSignal;
  readonly files: {
    /** A stored text file, whole (at most 8 MiB); needs scope read. */
    readText(path: string): Promise<string>;
    /** One page of stored files under a prefix; needs scope read. */
    list(prefix?: string, opts?: { limit?: number; cursor?: string }): Promise<{
      files: { path: string; size: number; sha256: string; content_type: string; is_text: boolean; updated_at: string }[];
      next_cursor?: string;
    }>;
    /** Stores a text file; needs scope write (the caller's). */
    writeText(path: string, content: string): Promise<{ path: string; size: number; sha256: string; created: boolean }>;
  };
  /** Full-text search, as the search tool; needs scope read. */
  search(query: string, opts?: { limit?: number; offset?: number }): Promise<{
    results: { path: string; line_start: number; line_end: number; score: number; snippet: string }[];
    total: number;
  }>;
  /** Reports progress (MCP notifications/progress). */
  progress(done: number, total?: number, message?: string): void;
  readonly log: {
    info(msg: string, fields?: Record<string, unknown>): void;
    warn(msg: string, fields?: Record<string, unknown>): void;
    error(msg: string, fields?: Record<string, unknown>): void;
  };
}

type Args<I> = I extends TObject ? Static<I> : any;

export interface UserToolDefinition<I = TObject, O = unknown> {
  /** ^[a-zA-Z0-9_-]{1,64}$; must not clash with a built-in tool or another file's. */
  name: string;
  title?: string;
  /** What the tool does and what it returns: Claude reads this to choose the tool. */
  description: string;
  scope: Scope;
  /** t.Object({...}) or a plain JSON Schema object. */
  input: I;
  /** When given, results are checked against it; MCP returns them as structuredContent. */
  output?: TSchema | Record<string, unknown>;
  annotations?: Record<string, unknown>;
  run(args: Args<I>, ctx: UserToolContext): O | Promise<O>;
}

export declare function defineTool<I extends TObject | Record<string, unknown>, O>(
  def: UserToolDefinition<I, O>,
): UserToolDefinition<I, O>;

/** An expected failure: the caller gets this code and 4xx status (default 422). */
export declare class ToolError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status?: number);
}
`;

export const TESTING_DTS = `// Written by \`quiver types\`; regenerate it rather than editing it.
import type { Scope } from "./quiver.js";

export interface TestServerOptions {
  /** Tool directories, as --tools (absolute, or relative to the working directory). */
  tools?: string | string[];
  /** Declarative tools, as --tools-config. */
  toolsConfig?: string;
  /** Seconds before a call answers 504 (default 10). */
  toolTimeout?: number;
}

/** A failed call: the status and the error code the server answered. */
export declare class CallError extends Error {
  readonly status: number;
  readonly code: string;
}

export interface TestServer {
  /** A token secret per scope. */
  tokens: Record<Scope, string>;
  /** POST /tools/<name> through the real handler (admin unless opts.scope); rejects with a CallError. */
  call(name: string, params?: unknown, opts?: { scope?: Scope }): Promise<any>;
  /** Any request through the same handler, e.g. request("/tools"). */
  request(path: string, init?: RequestInit & { scope?: Scope }): Promise<Response>;
  /** Reloads the tools, as SIGHUP does. */
  reload(): Promise<boolean>;
  close(): void;
}

/** quiver in-process: a temp data directory, a token per scope, your tools loaded. */
export declare function testServer(opts?: TestServerOptions): Promise<TestServer>;
`;
