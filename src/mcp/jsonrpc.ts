/*
 * JSON-RPC 2.0 shapes and the error codes MCP uses. Kept apart from the protocol logic
 * so both transports build errors the same way.
 */

import { isExactId } from "./ids.ts";

export type RequestId = string | number;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id?: RequestId;
  method: string;
  params?: Record<string, unknown>;
}

export interface JsonRpcError {
  code: number;
  message: string;
  data?: unknown;
}

export type JsonRpcResponse =
  | { jsonrpc: "2.0"; id: RequestId | null; result: Record<string, unknown> }
  | { jsonrpc: "2.0"; id: RequestId | null; error: JsonRpcError };

export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params?: Record<string, unknown>;
}

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** 2026-07-28: Streamable HTTP headers missing, malformed or disagreeing with the body. */
export const HEADER_MISMATCH = -32020;
/** 2026-07-28: the request's protocol version is unknown or unsupported. */
export const UNSUPPORTED_PROTOCOL_VERSION = -32022;

/** An error that becomes a JSON-RPC error response (and, on HTTP, maybe a status). */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
    /** HTTP status when the error is raised before dispatch (the "edge"); 200 otherwise. */
    readonly httpStatus = 200,
  ) {
    super(message);
    this.name = "RpcError";
  }
}

export function errorResponse(id: RequestId | null | undefined, err: RpcError): JsonRpcResponse {
  const error: JsonRpcError = { code: err.code, message: err.message };
  if (err.data !== undefined) error.data = err.data;
  return { jsonrpc: "2.0", id: id ?? null, error };
}

export function resultResponse(id: RequestId, result: Record<string, unknown>): JsonRpcResponse {
  return { jsonrpc: "2.0", id, result };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON-RPC id: a string or an exactly representable integer (null is only for errors we send). */
export function isRequestId(value: unknown): value is RequestId {
  return isExactId(value);
}
