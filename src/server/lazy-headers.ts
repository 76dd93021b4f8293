/*
 * Elysia hands hooks and handlers the request's headers as a record (`headers`), and for
 * every route where one of them reads it, it fills the record by copying every header
 * (`Headers.toJSON()`) before the first hook runs. @elysiajs/bearer's derive reads it, so
 * every authenticated request paid for a copy of all its headers, although quiver reads a
 * handful by name; an MCP request carries twice as many headers as a REST call, so the copy
 * was one of the largest parts of what MCP costs over REST (a CPU profile under wrk: 2.7 µs
 * of /mcp's request against 1.2 µs of POST /tools/call's). This adapter gives them a record
 * that reads each header from the request when asked for it instead: `headers.authorization`,
 * `"origin" in headers`, `Object.keys(headers)` and spreading answer as the copy did (names
 * in lower case), and it is read-only, as the request's headers are.
 */

import type { ElysiaAdapter } from "elysia";
import { BunAdapter } from "elysia/adapter/bun";

/** A header's value, or null; a name no header can have (`Headers.get` throws) has none. */
function headerValue(headers: Headers, name: string | symbol): string | null {
  if (typeof name !== "string") return null;
  try {
    return headers.get(name);
  } catch {
    return null;
  }
}

const READ_ONLY: ProxyHandler<Headers> = {
  get: (headers, name) => headerValue(headers, name) ?? undefined,
  has: (headers, name) => headerValue(headers, name) !== null,
  ownKeys: (headers) => [...headers.keys()],
  getOwnPropertyDescriptor(headers, name) {
    const value = headerValue(headers, name);
    return value === null ? undefined : { value, enumerable: true, configurable: true };
  },
  set: () => false,
  defineProperty: () => false,
  deleteProperty: () => false,
};

/** The request's headers as the record Elysia's `headers` is, read on demand. */
export function headerRecord(headers: Headers): Record<string, string | undefined> {
  return new Proxy(headers, READ_ONLY) as unknown as Record<string, string | undefined>;
}

/** Bun's adapter, with `headers` read on demand rather than copied for every request. */
export const lazyHeadersAdapter: ElysiaAdapter = {
  ...BunAdapter,
  composeHandler: {
    ...BunAdapter.composeHandler,
    headers: "c.headers=headerRecord(c.request.headers)\n",
    inject: { ...BunAdapter.composeHandler.inject, headerRecord },
  },
};
