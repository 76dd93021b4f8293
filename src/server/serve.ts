import type { Serve, Server } from "bun";
import type { Config } from "../config.ts";
import { StartupError } from "../errors.ts";
import { logInfo } from "../log.ts";
import { stderrSink } from "../log-sink.ts";
import type { OpenServices } from "../services.ts";
import { createConnectionGuard, maxInFlightFor } from "./connection-guard.ts";
import { responseFailed } from "./errors.ts";
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
export async function startServer(services: OpenServices): Promise<RunningServer> {
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
  server = listen(config, {
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
    error: responseFailed,
  });
  // Only once bound: a start that fails (port in use) must not leave a token nobody was
  // shown, and the banner's curl line names the port actually bound (--port 0).
  await ensureAdminToken(services, Number(server.port));
  const url = `http://${hostForUrl(config.host)}:${server.port}`;
  logInfo("listening", { url, data: config.dataDir, ...(services.readOnly && { readOnly: true }) });
  if (services.readOnly)
    stderrSink.write(
      `quiver: the data directory ${config.dataDir} is not writable: serving reads; writes answer 503 storage_unavailable\n`,
    );
  return {
    server,
    url,
    /** Stops taking connections and lets in-flight requests finish. */
    async stop() {
      await server.stop();
    },
  };
}

/** Bun.serve, with the reasons a bind fails turned into one line saying what to do. */
function listen(
  config: Config,
  options: Omit<Serve.Options<undefined>, "hostname" | "port">,
): Server<undefined> {
  try {
    return Bun.serve({
      ...options,
      hostname: config.host,
      port: config.port,
    } as Serve.Options<undefined>);
  } catch (err) {
    const where = `${hostForUrl(config.host)}:${config.port}`;
    const code = (err as { code?: string }).code;
    if (code === "EADDRINUSE")
      throw new StartupError(
        `${where} is already in use (another quiver?); stop that server or choose another --port`,
      );
    if (code === "EACCES" || code === "EPERM")
      throw new StartupError(
        `not allowed to listen on ${where} (ports below 1024 need privileges); choose a --port above 1023`,
      );
    // EADDRNOTAVAIL for a foreign address; a name that does not resolve comes back with
    // other codes (EEXIST from Bun 1.4.4).
    throw new StartupError(
      `cannot listen on ${config.host} (${code ?? (err as Error).message}): not an address of this machine; use --host 127.0.0.1 (this machine only), 0.0.0.0 (all interfaces) or one of its addresses`,
    );
  }
}

function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}
