/*
 * Headers every response carries: the request id (to match a response with its access-log
 * line), `nosniff`, and `no-store` unless the route chose its own caching.
 *
 * Hot routes hand them to Elysia before it builds the response (`presetHeaders`), because
 * adding headers to a finished Response makes Bun materialise its header map again — about
 * 7% of a small tool call's throughput (bench/http.ts). Every other response gets them
 * afterwards from the request handler (`stampHeaders`).
 */

import { requestInfo } from "./request-info.ts";

export function presetHeaders(request: Request, headers: Record<string, string | number>): void {
  const info = requestInfo(request);
  headers["x-request-id"] = info.id;
  headers["x-content-type-options"] = "nosniff";
  headers["cache-control"] = "no-store";
  info.stamped = true;
}

/**
 * The common headers as a record, for a route that builds its own Response (MCP's JSON
 * answers). Call it only once the answer is known: from then on the handler no longer
 * stamps, so an error thrown afterwards would miss them.
 */
export function commonHeaders(request: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  presetHeaders(request, headers);
  return headers;
}

export function stampHeaders(request: Request, response: Response): void {
  const info = requestInfo(request);
  if (info.stamped) return;
  const headers = response.headers;
  headers.set("x-request-id", info.id);
  headers.set("x-content-type-options", "nosniff");
  if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
}
