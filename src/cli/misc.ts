import { DEFAULT_PORT, loadConfig } from "../config.ts";
import { builtinTools } from "../tools/registry.ts";
import { loadConfigTools } from "../user-tools/config-tools.ts";
import { loadUserTools } from "../user-tools/load.ts";
import { VERSION } from "../version.ts";
import { parse, userToolOptions } from "./args.ts";

export function version(): void {
  process.stdout.write(`quiver ${VERSION} (bun ${Bun.version})\n`);
}

/**
 * `quiver tools [--json] [--tools DIR]… [--tools-config FILE]`: the registry as a table or
 * as Claude tool definitions, with the user's tools loaded as a server would load them.
 */
export async function listTools(argv: string[]): Promise<void> {
  const { values } = parse(argv, { json: { type: "boolean" }, ...userToolOptions });
  const config = loadConfig({ tools: values.tools, "tools-config": values["tools-config"] });
  const loaded =
    config.toolDirs.length || config.toolsConfig
      ? await loadUserTools(
          { dirs: config.toolDirs, configFile: config.toolsConfig },
          loadConfigTools,
        )
      : { registry: builtinTools, hosts: [] };
  for (const host of loaded.hosts) host.close();
  const { tools } = loaded.registry;
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ tools: loaded.registry.claudeDefinitions }, null, 2)}\n`,
    );
    return;
  }
  const width = Math.max(...tools.map((t) => t.name.length));
  for (const tool of tools) {
    const firstSentence = tool.description.split(/(?<=\.)\s/)[0];
    process.stdout.write(
      `${tool.name.padEnd(width)}  ${`[${tool.scope}]`.padEnd(7)}  ${firstSentence}\n`,
    );
  }
}

/**
 * `quiver healthcheck`: exit 0 when /healthz answers 200. For container HEALTHCHECKs,
 * where the image has no shell and no curl.
 */
export async function healthcheck(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    host: { type: "string" },
    port: { type: "string", short: "p" },
    timeout: { type: "string" },
  });
  const host =
    values.host ??
    (process.env.QUIVER_HOST &&
    process.env.QUIVER_HOST !== "0.0.0.0" &&
    process.env.QUIVER_HOST !== "::"
      ? process.env.QUIVER_HOST
      : "127.0.0.1");
  const port = values.port ?? process.env.QUIVER_PORT ?? String(DEFAULT_PORT);
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/healthz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(Number(values.timeout ?? 3000)) });
    if (res.status === 200) return 0;
    process.stderr.write(`unhealthy: ${url} answered ${res.status}\n`);
  } catch (err) {
    process.stderr.write(`unhealthy: ${url}: ${(err as Error).message}\n`);
  }
  return 1;
}
