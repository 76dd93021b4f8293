import { loadConfig } from "../config.ts";
import { startSupervisor } from "../jobs/supervisor.ts";
import { logInfo } from "../log.ts";
import { hubFor } from "../mcp/listeners.ts";
import { startServer } from "../server/serve.ts";
import { openServices } from "../services.ts";
import { UserToolsRuntime } from "../user-tools/runtime.ts";
import { parse, serverOptions, userToolOptions } from "./args.ts";

export const serveHelp = `quiver serve [--host H] [--port P] [--data DIR] [options]

Serves the tools over HTTP (REST at /tools, files at /files, MCP at /mcp).
  --host H          address to bind (env QUIVER_HOST, default 127.0.0.1)
  --port P          port (env QUIVER_PORT, default 8080)
  --data DIR        data directory (env QUIVER_DATA, default ./quiver-data)
  --max-body SIZE   largest request body, e.g. 32MiB (env QUIVER_MAX_BODY)
  --allow-origin U  extra Origin allowed on /mcp (env QUIVER_ALLOWED_ORIGINS, comma-separated)
  --import-root DIR directory import_path may read (env QUIVER_IMPORT_ROOTS)
  --max-import-file SIZE  import_path skips larger files (default 1GiB; env QUIVER_MAX_IMPORT_FILE)
  --rate-limit N    requests per second per token, bursts of 10x (env QUIVER_RATE_LIMIT, default 100, 0 = off)
  --tool-timeout S  seconds before a tool call answers 504 (env QUIVER_TOOL_TIMEOUT, default 60)
  --job-retention T how long finished jobs are kept, e.g. 7d, 12h (env QUIVER_JOB_RETENTION)
  --tools DIR       load your own tools from DIR/*.ts, *.js (repeatable; env QUIVER_TOOLS)
  --tools-config F  declarative command and HTTP tools from F (TOML or JSON; env QUIVER_TOOLS_CONFIG)
  --watch           reload the tools when a file under --tools changes (SIGHUP always does)
  --skills-prefix P where skills live: P<name>/SKILL.md (default skills/; env QUIVER_SKILLS_PREFIX)
  --public-url URL  the https address clients reach quiver at: turns on the OAuth
                    authorization server for claude.ai connectors (env QUIVER_PUBLIC_URL)
  --oauth-allow-private-client-urls  client metadata URLs may be private/loopback (testing)
  --quiet           no access log
Env QUIVER_TOKEN sets a static admin token; otherwise the first start creates one.`;

export async function serve(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    ...serverOptions,
    ...userToolOptions,
    watch: { type: "boolean" },
  });
  const config = loadConfig(values);
  const services = await openServices(config, { create: true });
  const userTools = await UserToolsRuntime.start(services, {
    dirs: config.toolDirs,
    configFile: config.toolsConfig,
  });
  if (userTools) {
    process.on("SIGHUP", () => void userTools.reload());
    if (values.watch) userTools.watch();
  }
  const running = await startServer(services);
  // The ranked index builds on the search thread while the first requests are served.
  void services.index.warmUp();
  // A read-only store can run no job (each one writes); starting one answers 503.
  const supervisor = services.readOnly
    ? undefined
    : startSupervisor(config, services.jobs, services.changes);

  // Graceful stop: refuse new connections, let in-flight requests finish (every
  // acknowledged write is already durable), close the database, exit 0.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logInfo("stopping", { signal });
    const force = setTimeout(() => process.exit(0), 10_000);
    force.unref();
    // Searches in flight answer 503 now rather than when their query ends (issue 13 #22).
    services.index.close();
    // Open MCP subscriptions are answered (a graceful end) so their streams close.
    hubFor(services).endAll();
    await Promise.all([running.stop(), supervisor?.stop()]);
    userTools?.close();
    await services.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
