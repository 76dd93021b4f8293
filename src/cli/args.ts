import { type ParseArgsConfig, parseArgs } from "node:util";

export class UsageError extends Error {}

/** node:util parseArgs with errors a person can act on. */
export function parse<T extends ParseArgsConfig["options"]>(
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({
      args: attachNegativeValues(argv, options ?? {}),
      options,
      allowPositionals,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
  }
}

export const serverOptions = {
  host: { type: "string" },
  port: { type: "string", short: "p" },
  data: { type: "string", short: "d" },
  "max-body": { type: "string" },
  "allow-origin": { type: "string", multiple: true },
  "import-root": { type: "string", multiple: true },
  "max-import-file": { type: "string" },
  "job-retention": { type: "string" },
  "rate-limit": { type: "string" },
  "tool-timeout": { type: "string" },
  "skills-prefix": { type: "string" },
  quiet: { type: "boolean", short: "q" },
  "public-url": { type: "string" },
  "oauth-allow-private-client-urls": { type: "boolean" },
  database: { type: "string" },
} as const;

/** User tools (src/user-tools/): serve, mcp and tools take these. */
export const userToolOptions = {
  tools: { type: "string", multiple: true },
  "tools-config": { type: "string" },
} as const;

export const dataOptions = { data: { type: "string", short: "d" } } as const;

/**
 * `--port -1` is a value, not a flag: parseArgs would call it ambiguous and ask for
 * `--port=-1`. Attaching negative numbers to the string option before them lets the
 * option's own check say what is wrong with the value.
 */
function attachNegativeValues(argv: string[], options: NonNullable<ParseArgsConfig["options"]>) {
  const nameOf = (arg: string) =>
    arg.startsWith("--")
      ? arg.slice(2)
      : Object.keys(options).find((k) => options[k]!.short === arg.slice(1));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const next = argv[i + 1];
    const name = /^--?[^-=][^=]*$/.test(arg) ? nameOf(arg) : undefined;
    if (name && options[name]?.type === "string" && next !== undefined && /^-\d/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}
