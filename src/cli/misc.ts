import { DEFAULT_PORT } from "../config.ts";
import { builtinTools, tools } from "../tools/registry.ts";
import { VERSION } from "../version.ts";
import { parse } from "./args.ts";

export function version(): void {
  process.stdout.write(`quiver ${VERSION} (bun ${Bun.version})\n`);
}

/** `quiver tools [--json]`: the registry as a table or as Claude tool definitions. */
export function listTools(argv: string[]): void {
  const { values } = parse(argv, { json: { type: "boolean" } });
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ tools: builtinTools.claudeDefinitions }, null, 2)}\n`);
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
