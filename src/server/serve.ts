import type { Server } from "bun";
import { logError, logInfo } from "../log.ts";
import type { OpenServices } from "../services.ts";
import { createConnectionGuard, maxInFlightFor } from "./connection-guard.ts";
import { ensureAdminToken } from "./first-run.ts";
import { createHandler } from "./handler.ts";
import { rawFileRoutes } from "./raw-target.ts";

export interface RunningServer {
  server: Server<undefined>;
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts the HTTP server on the configured host and port. Only the server: the command
 * that starts it (src/cli/serve.ts) owns the rest of the process's lifecycle (the job
 * worker, signals, closing the store).
 */
export function startServer(services: OpenServices): RunningServer {
  const { config } = services;
  const idleTimeout = Math.min(255, Math.ceil(config.toolTimeoutMs / 1000) + 10);
  const guard = createConnectionGuard({
    maxInFlight: maxInFlightFor(),
    // Room for the work (the idle timeout) or for an upload of --max-body at 256 KiB/s.
    bodyDeadlineS: Math.min(
      255,
      Math.max(idleTimeout, Math.ceil(config.maxBodyBytes / 262_144) + 10),
    ),
  });
  let server: Server<undefined> | undefined;
  const handle = guard.wrap(createHandler(services), () => server);
  server = Bun.serve({
    hostname: config.host,
    port: config.port,
    // Every body is read through our bounded readers (readJsonBody, FileStore.put), which
    // answer 413 in the JSON shape from Content-Length alone or stop counting at the
    // limit. Bun's own limit would answer first with an empty body, so it is lifted.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Bun closes a connection silent for idleTimeout (default 10 s); a tool may legitimately
    // think for up to --tool-timeout, so the connection must outlive it (Bun's cap: 255 s).
    idleTimeout,
    routes: rawFileRoutes(handle),
    fetch: (request, server) => handle(request, { server }),
    // Reached when Bun fails a response after our handler returned it (a file that can
    // no longer be opened): the access line already went out, so this line says what
    // the client really got.
    error: (error) => {
      logError("response failed", { status: 500, error });
      return new Response(
        JSON.stringify({ error: { code: "internal_error", message: "internal error" } }),
        { status: 500, headers: { "content-type": "application/json" } },
      );
    },
  });
  // After binding: the banner's curl line names the port actually bound (--port 0).
  ensureAdminToken(services, Number(server.port));
  const url = `http://${hostForUrl(config.host)}:${server.port}`;
  logInfo("listening", { url, data: config.dataDir });
  return {
    server,
    url,
    /** Stops taking connections and lets in-flight requests finish. */
    async stop() {
      await server.stop();
    },
  };
}

function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
