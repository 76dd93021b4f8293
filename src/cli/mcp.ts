import { loadConfig } from "../config.ts";
import { ON_DEMAND_POLL_MS, startSupervisor } from "../jobs/supervisor.ts";
import { logInfo } from "../log.ts";
import { serveStdio } from "../mcp/stdio.ts";
import { openServices } from "../services.ts";
import { UserToolsRuntime } from "../user-tools/runtime.ts";
import { dataOptions, parse, serverOptions, userToolOptions } from "./args.ts";

export const mcpHelp = `quiver mcp [--data DIR] [--import-root DIR]... [--skills-prefix P]
           [--tools DIR]... [--tools-config FILE]

Serves the tools over MCP on stdin/stdout (newline-delimited JSON-RPC), for clients that
launch quiver themselves (Claude Desktop, Claude Code). No token: whoever starts the
process is trusted as a local admin. Logs go to stderr; stdout carries only protocol.`;

export async function mcp(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...dataOptions,
    "import-root": serverOptions["import-root"],
    ...userToolOptions,
    "skills-prefix": serverOptions["skills-prefix"],
  });
  const services = await openServices(
    loadConfig({
      data: values.data,
      "import-root": values["import-root"],
      tools: values.tools,
      "tools-config": values["tools-config"],
      "skills-prefix": values["skills-prefix"],
      quiet: true,
    }),
    { create: true },
  );
  // The ranked index builds on the search thread while the first requests are served.
  void services.index.warmUp();
  const userTools = await UserToolsRuntime.start(services, {
    dirs: services.config.toolDirs,
    configFile: services.config.toolsConfig,
  });
  if (userTools) process.on("SIGHUP", () => void userTools.reload());
  // Jobs started over stdio (import_path, reindex) need a worker here too, started when
  // the first is queued (most sessions start none) — unless the store is read-only: then
  // no job can run (each one writes) and starting one answers 503.
  const supervisor = services.readOnly
    ? undefined
    : startSupervisor(services.config, services.jobs, services.changes, {
        onDemand: { pollMs: ON_DEMAND_POLL_MS },
      });
  // SIGTERM/SIGINT: stop at once. Every acknowledged write is already durable; the
  // worker stops at its next checkpoint.
  const stop = async () => {
    await supervisor?.stop();
    userTools?.close();
    await services.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  logInfo("mcp stdio ready", { data: services.config.dataDir });
  await serveStdio(services, {
    input: Bun.stdin.stream(),
    write: (line) => void process.stdout.write(line),
  });
  // Let stdout drain before main() exits: a pipe may still hold the last answers.
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
  await supervisor?.stop();
  userTools?.close();
  await services.close();
  return 0;
}
