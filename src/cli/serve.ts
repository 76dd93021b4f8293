import { loadConfig } from "../config.ts";
import { logInfo } from "../log.ts";
import { startServer } from "../server/serve.ts";
import { openServices } from "../services.ts";
import { parse, serverOptions } from "./args.ts";

export const serveHelp = `quiver serve [--host H] [--port P] [--data DIR] [--max-body SIZE] [--allow-origin URL]... [--import-root DIR]... [--quiet]

Serves the tools over HTTP (REST at /tools, files at /files, MCP at /mcp).
  --host H          address to bind (env QUIVER_HOST, default 127.0.0.1)
  --port P          port (env QUIVER_PORT, default 8080)
  --data DIR        data directory (env QUIVER_DATA, default ./quiver-data)
  --max-body SIZE   largest request body, e.g. 32MiB (env QUIVER_MAX_BODY)
  --allow-origin U  extra Origin allowed on /mcp (env QUIVER_ALLOWED_ORIGINS, comma-separated)
  --import-root DIR directory import_path may read (env QUIVER_IMPORT_ROOTS)
  --quiet           no access log
Env QUIVER_TOKEN sets a static admin token; otherwise the first start creates one.`;

export async function serve(argv: string[]): Promise<void> {
  const { values } = parse(argv, serverOptions);
  const config = loadConfig(values);
  const services = openServices(config);
  const running = startServer(services);

  // Graceful stop: refuse new connections, let in-flight requests finish (every
  // acknowledged write is already durable), close the database, exit 0.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logInfo("stopping", { signal });
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    await running.stop();
    services.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
