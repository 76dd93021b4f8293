import { readFileSync } from "node:fs";
import type { Server } from "bun";
import { QuiverError } from "../errors.ts";
import type { Handler } from "./handler.ts";

/**
 * Bounds what a client without a token (or a slow one with a token) can hold. About
 * 20,000 connections, each sending `Content-Length: 1000000000` and then one byte every
 * 5 s, used to reach the open-file limit: /healthz stopped answering and writes failed
 * with EMFILE. Three rules, measured against Bun 1.4.4:
 *
 * - A request answered without reading its body (401, 403, 404, 413, 429 …) has its body
 *   cancelled and gets `Connection: close`. Otherwise Bun keeps the connection to drain
 *   the rest of the declared body, and every dribbled byte resets its idle timer.
 * - A request with a body gets a deadline (`server.timeout`), which — unlike the idle
 *   timeout — incoming bytes do not reset: the body and the work must be done by then.
 * - At most `maxInFlight` requests are handled at once, well below the open-file limit
 *   so that the data directory (database, WAL, blob files being read or written) always
 *   has descriptors left; past it the answer is 503 `server_busy` and the connection
 *   closes. /healthz is exempt: it touches no file.
 *
 * Not covered: a client dribbling its *headers* is invisible until they are complete
 * (Bun has no hook before that); Bun's idle timeout and header size limit bound it.
 */
export interface GuardOptions {
  maxInFlight: number;
  /** Seconds a request with a body may take in all (body and work). */
  bodyDeadlineS: number;
}

type Handle = Handler;

export interface ConnectionGuard {
  /** `handle`, bounded. `server` is read when requests arrive (it exists by then). */
  wrap(handle: Handle, server: () => Server<undefined> | undefined): Handle;
  readonly inFlight: number;
}

export function createConnectionGuard(opts: GuardOptions): ConnectionGuard {
  let inFlight = 0;
  return {
    get inFlight() {
      return inFlight;
    },
    wrap(handle, server) {
      return async (request, context = {}) => {
        const withBody = hasBody(request);
        if (inFlight >= opts.maxInFlight && !isHealthCheck(request))
          return release(request, withBody, await handle(request, { ...context, refused: busy() }));
        inFlight++;
        try {
          if (withBody) server()?.timeout(request, opts.bodyDeadlineS);
          return release(request, withBody, await handle(request, context));
        } finally {
          inFlight--;
        }
      };
    },
  };
}

function hasBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  return (length !== null && length !== "0") || request.headers.has("transfer-encoding");
}

const isHealthCheck = (request: Request) =>
  request.method === "GET" && request.url.endsWith("/healthz");

function release(request: Request, withBody: boolean, response: Response): Response {
  if (!withBody) return response;
  if (!request.bodyUsed) request.body?.cancel().catch(() => {});
  // Closing is what frees the descriptor; a client whose body was read in full keeps
  // its keep-alive connection.
  if (!request.bodyUsed || response.status >= 400) response.headers.set("connection", "close");
  return response;
}

/** Answered through the handler, so it has a request id and an access-log line. */
function busy(): QuiverError {
  return new QuiverError(
    503,
    "server_busy",
    "the server is handling too many requests; retry shortly",
    { "retry-after": "1" },
  );
}

/** The soft open-file limit (Linux /proc), or undefined where it cannot be read. */
export function openFileLimit(limits = "/proc/self/limits"): number | undefined {
  try {
    const line = readFileSync(limits, "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Requests in flight: each may hold a socket and a blob file, and the data directory
 * keeps 64 descriptors in reserve (database, WAL, shm, worker pipes, the import worker).
 */
export function maxInFlightFor(fileLimit = openFileLimit()): number {
  if (fileLimit === undefined) return 1024;
  return Math.max(8, Math.min(4096, Math.floor((fileLimit - 64) / 2)));
}
