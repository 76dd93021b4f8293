/*
 * The user's tools, from `--tools DIR` (module tools, each directory in its own worker)
 * and `--tools-config FILE` (declarative command and HTTP tools), joined with the built-in
 * tools into one registry — or a StartupError that names the file at fault, and for a
 * name clash both places that use the name.
 */

import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { StartupError } from "../errors.ts";
import type { AnyTool } from "../tools/define.ts";
import { tools as builtins, ToolRegistry } from "../tools/registry.ts";
import { ToolHost } from "./host.ts";
import { isToolFile } from "./tool-file.ts";

export interface UserToolSources {
  /** Directories of tool modules (absolute). */
  dirs: string[];
  /** Declarative tools (quiver.toml / JSON), if any. */
  configFile?: string;
}

/** Where a tool comes from, for clash messages. */
export interface ToolSource {
  origin: string;
  tools: readonly AnyTool[];
}

export interface LoadedTools {
  registry: ToolRegistry;
  hosts: ToolHost[];
}

const MAX_FILES_PER_DIR = 500;

/** Loads everything; on any failure nothing stays running. */
export async function loadUserTools(
  sources: UserToolSources,
  loadConfigTools?: (file: string) => ToolSource[],
): Promise<LoadedTools> {
  const hosts: ToolHost[] = [];
  try {
    const all: ToolSource[] = [{ origin: "the built-in tools", tools: builtins }];
    for (const dir of sources.dirs) {
      const host = await ToolHost.start(dir, toolFilesIn(dir));
      hosts.push(host);
      for (const { tool, file } of host.toolFiles()) all.push({ origin: file, tools: [tool] });
    }
    if (sources.configFile && loadConfigTools) all.push(...loadConfigTools(sources.configFile));
    return { registry: joined(all), hosts };
  } catch (err) {
    for (const host of hosts) host.close();
    throw err;
  }
}

/** One registry; a name used twice is a StartupError naming both places. */
export function joined(sources: ToolSource[]): ToolRegistry {
  const seen = new Map<string, string>();
  const tools: AnyTool[] = [];
  for (const source of sources)
    for (const tool of source.tools) {
      const earlier = seen.get(tool.name);
      if (earlier)
        throw new StartupError(
          `two tools are named "${tool.name}": one in ${earlier}, one in ${source.origin}; rename one`,
        );
      seen.set(tool.name, source.origin);
      tools.push(tool);
    }
  return new ToolRegistry(tools);
}

/** The tool files directly in `dir` (*.ts, *.js; not tests, declarations or dotfiles), by name. */
export function toolFilesIn(dir: string): string[] {
  const abs = resolve(dir);
  let names: string[];
  try {
    if (!statSync(abs).isDirectory()) throw new Error("not a directory");
    names = readdirSync(abs);
  } catch (err) {
    throw new StartupError(`--tools ${dir}: ${(err as Error).message}`);
  }
  const files = names
    .filter(isToolFile)
    .sort()
    .map((name) => join(abs, name))
    .filter((file) => statSync(file).isFile());
  if (files.length > MAX_FILES_PER_DIR)
    throw new StartupError(`--tools ${dir}: more than ${MAX_FILES_PER_DIR} tool files`);
  return files;
}
