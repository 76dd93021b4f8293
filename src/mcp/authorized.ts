import { AuthError } from "../errors.ts";
import { INVALID_REQUEST, RpcError } from "./jsonrpc.ts";
import type { McpCall } from "./protocol.ts";

/**
 * Runs a non-tool method that checks the caller's scope: on HTTP the transport answers
 * an authorization failure itself (403 with its challenge), elsewhere it is a JSON-RPC
 * error carrying the message.
 */
export function authorized<T>(call: McpCall, run: () => T): T {
  const fail = (err: unknown): never => {
    if (err instanceof AuthError && !call.rethrowAuth)
      throw new RpcError(INVALID_REQUEST, err.message, { code: err.code });
    throw err;
  };
  try {
    const value = run();
    return (value instanceof Promise ? value.catch(fail) : value) as T;
  } catch (err) {
    return fail(err);
  }
}
