/*
 * What a tool file exports, checked: its default export is one tool (defineTool) or an
 * array of them. Every problem names the file, so a start-up error says where to look.
 */

import { basename } from "node:path";
import { type Scope, TOOL_NAME, type UserToolDefinition } from "./api.ts";
import type { DeclaredTool } from "./protocol.ts";

const SCOPES: readonly Scope[] = ["read", "write", "admin"];
const MAX_TOOLS_PER_FILE = 100;
const MAX_DESCRIPTION_CHARS = 4096;

export function declaredTools(
  mod: Record<string, unknown>,
  file: string,
): [UserToolDefinition, DeclaredTool][] {
  const exported = mod.default;
  if (exported === undefined)
    throw new Error(`${file}: no default export; write \`export default defineTool({...})\``);
  const defs = Array.isArray(exported) ? exported : [exported];
  if (defs.length > MAX_TOOLS_PER_FILE)
    throw new Error(`${file}: more than ${MAX_TOOLS_PER_FILE} tools in one file`);
  return defs.map((def, i) => [
    def,
    declared(def, `${file}${defs.length > 1 ? ` (tool ${i + 1})` : ""}`, file),
  ]);
}

function declared(def: unknown, where: string, file: string): DeclaredTool {
  const d = def as Partial<UserToolDefinition> | undefined;
  const fail = (why: string) => {
    throw new Error(`${where}: ${why}`);
  };
  if (typeof d !== "object" || d === null) fail("the default export must be defineTool({...})");
  if (!TOOL_NAME.test(String(d!.name)))
    fail(`tool name ${JSON.stringify(d!.name)} must match ${TOOL_NAME}`);
  if (typeof d!.description !== "string" || !d!.description.trim())
    fail(`tool "${d!.name}" needs a description (Claude reads it to choose the tool)`);
  if (d!.description!.length > MAX_DESCRIPTION_CHARS)
    fail(`the description of "${d!.name}" is longer than ${MAX_DESCRIPTION_CHARS} characters`);
  if (!SCOPES.includes(d!.scope as Scope))
    fail(
      `tool "${d!.name}" needs scope "read", "write" or "admin", got ${JSON.stringify(d!.scope)}`,
    );
  if (typeof d!.run !== "function") fail(`tool "${d!.name}" needs a run(args, ctx) function`);
  if (typeof d!.input !== "object" || d!.input === null)
    fail(`tool "${d!.name}" needs an input schema`);
  return {
    file,
    name: d!.name!,
    ...(typeof d!.title === "string" ? { title: d!.title } : {}),
    description: d!.description!,
    scope: d!.scope!,
    input: plainJson(d!.input, where),
    ...(d!.output ? { output: plainJson(d!.output, where) } : {}),
    ...(d!.annotations ? { annotations: plainJson(d!.annotations, where) } : {}),
  };
}

function plainJson(value: unknown, where: string): Record<string, unknown> {
  try {
    return JSON.parse(JSON.stringify(value));
  } catch (err) {
    throw new Error(`${where}: a schema must be plain JSON (${(err as Error).message})`);
  }
}

/** A failed import as one line with the file, line and column: a syntax error, a missing import, a throw. */
export function describeLoadError(err: unknown, file: string): string {
  const errors = (err as { errors?: unknown[] })?.errors;
  const first = (Array.isArray(errors) && errors[0]) || err;
  const pos = (first as { position?: { file?: string; line?: number; column?: number } })?.position;
  const message = String((first as Error)?.message ?? first);
  if (pos?.line) return `${pos.file ?? file}:${pos.line}:${pos.column ?? 0}: ${message}`;
  const stack = String((err as Error)?.stack ?? "");
  const at = new RegExp(`${escapeRegExp(file)}:(\\d+)(?::(\\d+))?`).exec(stack);
  if (at) return `${file}:${at[1]}${at[2] ? `:${at[2]}` : ""}: ${message}`;
  return `${file}: ${message}`;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The tool files of a directory: *.ts / *.js, not tests or declarations, in name order. */
export function isToolFile(name: string): boolean {
  return (
    /\.(ts|js|mts|mjs)$/.test(name) &&
    !/\.(test|spec)\.[mc]?[jt]s$/.test(name) &&
    !/\.d\.[mc]?ts$/.test(name) &&
    !basename(name).startsWith(".")
  );
}
