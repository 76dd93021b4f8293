/*
 * The messages between the server thread (host.ts) and a tools worker (worker.ts), posted
 * as JSON text of arrays of these (outbox.ts batches them). What a tool returns must be
 * JSON anyway, and its size is bounded as JSON.
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

export type ToHost =
  | { ready: true }
  | { loaded: DeclaredTool[] }
  | { loadError: string }
  /** `ok` is the result, sent as the JSON text it was bounded as (see worker.ts). */
  | { id: number; ok: unknown }
  | { id: number; error: ThrownError }
  /** The tool read ctx.signal: from now on a client going away is forwarded. */
  | { id: number; wantsSignal: true }
  | { id: number; progress: [number, number | undefined, string | undefined] }
  | { id: number; rpc: number; op: FacadeOp; args: unknown[] }
  | { id: number; log: { level: "info" | "warn" | "error"; msg: string; fields?: unknown } }
  | { pong: number };

export type ToWorker =
  | { load: string[] }
  | { id: number; call: string; args: unknown; caller: CallerInfo; timeoutMs: number }
  | { id: number; cancel: { status: number; code: string; message: string } }
  | { rpc: number; ok?: unknown; error?: ThrownError }
  | { ping: number };

/** The largest result a user tool may return, as JSON text. */
export const MAX_RESULT_CHARS = 8 * 1024 * 1024;
