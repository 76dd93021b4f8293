import type { ToolSource } from "./load.ts";

/** Declarative tools (command and HTTP) from a TOML or JSON file. */
export function loadConfigTools(_file: string): ToolSource[] {
  return [];
}
