import { logLine } from "../log.ts";
import type { OpenServices } from "../services.ts";
import { createApp } from "./app.ts";
import { errorResponse } from "./errors.ts";
import { startRequest } from "./request-info.ts";
import { stampHeaders } from "./response-headers.ts";
import { accessFieldsFor } from "./streamed-body.ts";

/** The Bun server, when there is one (tests call the handler without a socket). */
export type Peer = { requestIP(request: Request): { address: string } | null };

export interface RequestContext {
  /** Where the client's address comes from (the per-address limit of failed authentication). */
  server?: Peer;
  /** The request is answered with this error instead (see raw-target.ts). */
  refused?: unknown;
}

export type Handler = (request: Request, context?: RequestContext) => Promise<Response>;

/**
 * The whole server as one `Request → Response` function: the Elysia app plus what every
 * response gets — a request id, security headers, and one structured access-log line
 * (method, path without query, tool, status, duration, token *name*; never a secret).
 * Tests call this directly; `serve` hands it to Bun.serve.
 */
export function createHandler(
  services: OpenServices,
  opts: { log?: (fields: Record<string, unknown>) => void } = {},
): Handler {
  const app = createApp(services);
  const log = opts.log ?? (services.config.logRequests ? logLine : undefined);
  return async (request, context = {}) => {
    const started = performance.now();
    const info = startRequest(request);
    const { server, refused } = context;
    if (server) info.address = () => server.requestIP(request)?.address;
    let response: Response;
    try {
      if (refused) throw refused;
      response = await app.handle(request);
    } catch (err) {
      response = errorResponse(request, err);
      info.stamped = false; // a fresh response: whatever a route preset is not in it
    }
    stampHeaders(request, response);
    if (log) {
      const url = request.url;
      const q = url.indexOf("?", 8);
      const path = url.slice(url.indexOf("/", 8), q === -1 ? undefined : q);
      const line = (fields: Record<string, unknown>) =>
        log({
          level: "info",
          msg: "request",
          req: info.id,
          method: request.method,
          path,
          status: response.status,
          ms: Math.round((performance.now() - started) * 100) / 100,
          ...(info.tool ? { tool: info.tool } : {}),
          ...(info.token ? { token: info.token } : {}),
          ...fields,
        });
      const { bodyEnd } = info;
      const status = response.status;
      if (bodyEnd && request.method !== "HEAD")
        bodyEnd.then((end) => line(accessFieldsFor(end, status)));
      else line({});
    }
    return response;
  };
}
