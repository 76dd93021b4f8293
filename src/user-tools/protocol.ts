/*
 * The messages between the server thread (host.ts) and a tools worker (worker.ts), posted
 * as JSON text of arrays of these (outbox.ts batches them). What a tool returns must be
 * JSON anyway, and its size is bounded as JSON.
 *
 * A call and its result, the messages every call makes, are arrays, the rest objects: JSON
 * of a short array is cheaper to write and to read than of an object with named fields and
 * a nested caller (measured, 18 calls a message: writing a call 545 → 291 ns, reading it
 * 335 → 215 ns, writing a result 236 → 145 ns), and these costs are paid per call on
 * threads that share one core with the HTTP server.
 */

import type { Scope } from "./api.ts";

/** A tool as its file declared it, schemas as plain JSON. */
export interface DeclaredTool {
  file: string;
  name: string;
  title?: string;
  description: string;
  scope: Scope;
  input: Record<string, unknown>;
  output?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

/** What went wrong, as plain data (an Error does not survive postMessage with its fields). */
export interface ThrownError {
  name: string;
  message: string;
  stack?: string;
  /** From a ToolError. */
  code?: string;
  status?: number;
}

export interface CallerInfo {
  name: string;
  scope: Scope;
}

/** The facade's operations, served by the server thread (facade.ts). */
export type FacadeOp = "readText" | "list" | "writeText" | "search";

/**
 * A call: its id, the tool, its (validated) parameters, the caller's token name and scope,
 * and the milliseconds left until its deadline.
 */
export type CallMessage = [
  id: number,
  tool: string,
  args: unknown,
  callerName: string,
  callerScope: Scope,
  timeoutMs: number,
];

/** A call's result, sent as the JSON text it was bounded as (see worker.ts). */
export type ResultMessage = [id: number, ok: unknown];

export type ToHost =
  | ResultMessage
  | { ready: true }
  | { loaded: DeclaredTool[] }
  | { loadError: string }
  | { id: number; error: ThrownError }
  /** The tool read ctx.signal: from now on a client going away is forwarded. */
  | { id: number; wantsSignal: true }
  | { id: number; progress: [number, number | undefined, string | undefined] }
  | { id: number; rpc: number; op: FacadeOp; args: unknown[] }
  | { id: number; log: { level: "info" | "warn" | "error"; msg: string; fields?: unknown } }
  | { pong: number };

export type ToWorker =
  | CallMessage
  | { load: string[] }
  | { id: number; cancel: { status: number; code: string; message: string } }
  | { rpc: number; ok?: unknown; error?: ThrownError }
  | { ping: number };

/** The largest result a user tool may return, as JSON text. */
export const MAX_RESULT_CHARS = 8 * 1024 * 1024;
