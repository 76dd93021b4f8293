/*
 * Declarative tools from `--tools-config FILE` (TOML, or JSON when the name ends .json):
 * `[[command]]` and `[[http]]` tables, each with name, description, scope and input (a
 * JSON Schema object). Every problem is a StartupError naming the file and the tool.
 */

import { readFileSync, statSync } from "node:fs";
import { dirname, extname, isAbsolute, resolve } from "node:path";
import { parseSize } from "../config.ts";
import { StartupError } from "../errors.ts";
import type { AnyTool } from "../tools/define.ts";
import { TOOL_NAME } from "./api.ts";
import { commandTool } from "./command-tool.ts";
import { httpTool } from "./http-tool.ts";
import { inputSchema } from "./json-schema.ts";
import type { ToolSource } from "./load.ts";

const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_TOOLS = 500;
const DEFAULT_MAX_OUTPUT = 1024 * 1024;
const MAX_OUTPUT_LIMIT = 16 * 1024 * 1024;
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

type Entry = Record<string, unknown>;

export function loadConfigTools(file: string): ToolSource[] {
  try {
    return [{ origin: file, tools: toolsOf(parseFile(file), file) }];
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError(`${file}: ${(err as Error).message}`);
  }
}

function parseFile(file: string): Entry {
  if (statSync(file).size > MAX_CONFIG_BYTES)
    throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`);
  const text = readFileSync(file, "utf8");
  const parsed = extname(file) === ".json" ? JSON.parse(text) : Bun.TOML.parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error("must be a table / object");
  for (const key of Object.keys(parsed))
    if (key !== "command" && key !== "http")
      throw new Error(`unknown section "${key}" (expected [[command]] or [[http]])`);
  return parsed as Entry;
}

function toolsOf(config: Entry, file: string): AnyTool[] {
  const list = (key: string) => {
    const v = config[key] ?? [];
    if (!Array.isArray(v)) throw new Error(`${key} must be an array of tables ([[${key}]])`);
    return v as Entry[];
  };
  const commands = list("command");
  const https = list("http");
  if (commands.length + https.length > MAX_TOOLS) throw new Error(`more than ${MAX_TOOLS} tools`);
  const base = dirname(file);
  return [
    ...commands.map((e, i) => command(e, `${file}: [[command]] ${label(e, i)}`, base)),
    ...https.map((e, i) => http(e, `${file}: [[http]] ${label(e, i)}`)),
  ];
}

const label = (e: Entry, i: number) => (typeof e?.name === "string" ? `"${e.name}"` : `#${i + 1}`);

function common(e: Entry, where: string, allowed: string[]): Omit<AnyTool, "run"> {
  if (typeof e !== "object" || e === null) throw new StartupError(`${where}: must be a table`);
  for (const key of Object.keys(e))
    if (![...allowed, "name", "title", "description", "scope", "input", "timeout"].includes(key))
      throw new StartupError(`${where}: unknown key "${key}"`);
  if (typeof e.name !== "string" || !TOOL_NAME.test(e.name))
    throw new StartupError(`${where}: name must match ${TOOL_NAME}`);
  if (typeof e.description !== "string" || !e.description.trim())
    throw new StartupError(`${where}: needs a description (Claude reads it to choose the tool)`);
  if (e.scope !== "read" && e.scope !== "write" && e.scope !== "admin")
    throw new StartupError(`${where}: scope must be "read", "write" or "admin"`);
  let input: AnyTool["input"];
  try {
    input = inputSchema(
      e.input ?? { type: "object", properties: {} },
      `${where} input`,
    ) as AnyTool["input"];
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  return {
    name: e.name,
    ...(typeof e.title === "string" ? { title: e.title } : {}),
    description: e.description,
    scope: e.scope,
    input,
  };
}

function timeoutMs(e: Entry, where: string): number | undefined {
  if (e.timeout === undefined) return undefined;
  if (typeof e.timeout !== "number" || !(e.timeout > 0) || e.timeout > 3600)
    throw new StartupError(`${where}: timeout must be a number of seconds, at most 3600`);
  return e.timeout * 1000;
}

function size(value: unknown, key: string, where: string): number {
  if (value === undefined) return DEFAULT_MAX_OUTPUT;
  let bytes: number;
  try {
    bytes = typeof value === "number" ? value : parseSize(String(value));
  } catch (err) {
    throw new StartupError(`${where}: ${key}: ${(err as Error).message}`);
  }
  if (!(bytes > 0) || bytes > MAX_OUTPUT_LIMIT)
    throw new StartupError(`${where}: ${key} must be at most ${MAX_OUTPUT_LIMIT} bytes`);
  return bytes;
}

function command(e: Entry, where: string, baseDir: string): AnyTool {
  const base = common(e, where, ["argv", "cwd", "env", "max_output"]);
  const argv = e.argv;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === "string"))
    throw new StartupError(
      `${where}: argv must be a non-empty array of strings (no shell is used)`,
    );
  if (argv[0]!.includes("{"))
    throw new StartupError(`${where}: argv[0] (the program) cannot be a placeholder`);
  const program = argv[0]!.includes("/") ? resolve(baseDir, argv[0]!) : Bun.which(argv[0]!);
  if (!program) throw new StartupError(`${where}: program "${argv[0]}" is not on PATH`);
  const cwd = resolve(baseDir, typeof e.cwd === "string" ? e.cwd : ".");
  if (e.cwd !== undefined && typeof e.cwd !== "string")
    throw new StartupError(`${where}: cwd must be a path`);
  try {
    if (!statSync(cwd).isDirectory()) throw new Error();
  } catch {
    throw new StartupError(`${where}: cwd ${cwd} is not a directory`);
  }
  const env = e.env ?? [];
  if (
    !Array.isArray(env) ||
    !env.every((n) => typeof n === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(n))
  )
    throw new StartupError(`${where}: env must be a list of environment variable names to pass on`);
  try {
    return commandTool(
      {
        base,
        program: isAbsolute(program) ? program : resolve(program),
        args: argv.slice(1) as string[],
        cwd,
        env: env as string[],
        timeoutMs: timeoutMs(e, where),
        maxOutputBytes: size(e.max_output, "max_output", where),
      },
      where,
    );
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
}

function http(e: Entry, where: string): AnyTool {
  const base = common(e, where, ["method", "url", "headers", "max_response"]);
  const method = String(e.method ?? "GET").toUpperCase() as (typeof METHODS)[number];
  if (!METHODS.includes(method))
    throw new StartupError(`${where}: method must be one of ${METHODS.join(", ")}`);
  if (typeof e.url !== "string") throw new StartupError(`${where}: needs a url`);
  const headers: Record<string, string> = {};
  const given = e.headers ?? {};
  if (typeof given !== "object" || given === null || Array.isArray(given))
    throw new StartupError(`${where}: headers must be a table of name = "value"`);
  for (const [name, value] of Object.entries(given)) {
    if (typeof value !== "string")
      throw new StartupError(`${where}: header ${name} must be a string`);
    headers[name] = value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, v: string) => {
      const found = process.env[v];
      if (found === undefined)
        throw new StartupError(
          `${where}: header ${name} needs the environment variable ${v}, which is not set`,
        );
      return found;
    });
  }
  try {
    return httpTool(
      {
        base,
        method,
        url: e.url,
        headers,
        timeoutMs: timeoutMs(e, where),
        maxResponseBytes: size(e.max_response, "max_response", where),
      },
      where,
    );
  } catch (err) {
    if (err instanceof StartupError) throw err;
    throw new StartupError((err as Error).message);
  }
}
