import { type ParseArgsConfig, parseArgs } from "node:util";

export class UsageError extends Error {}

/** node:util parseArgs with errors a person can act on. */
export function parse<T extends ParseArgsConfig["options"]>(
  argv: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
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
  quiet: { type: "boolean", short: "q" },
} as const;

export const dataOptions = { data: { type: "string", short: "d" } } as const;
