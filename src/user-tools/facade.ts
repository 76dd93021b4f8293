/*
 * The server side of a user tool's ctx: each operation runs as the *caller* (their scope,
 * their limits), through the built-in tools' pipeline where there is a built-in tool for it,
 * so a user tool can do with the store exactly what its caller could do directly.
 */

import { QuiverError } from "../errors.ts";
import { normalizePath } from "../store/paths.ts";
import type { Services, ToolContext } from "../tools/define.ts";
import { callTool, requireScope } from "../tools/pipeline.ts";
import { builtinTools } from "../tools/registry.ts";
import type { FacadeOp } from "./protocol.ts";

/** ctx.files.readText returns whole files: bounded so one call cannot fill the worker's memory. */
export const MAX_READ_TEXT_BYTES = 8 * 1024 * 1024;

export async function runFacadeOp(
  op: FacadeOp,
  args: unknown[],
  ctx: ToolContext,
): Promise<unknown> {
  // Nested calls see the built-in tools only: a user tool cannot call another user tool.
  // (Named field by field: spreading ctx would read its lazy signal.)
  const { config, files, index, jobs, changes } = ctx;
  const services: Services = { config, files, index, jobs, changes, tools: builtinTools };
  const builtin = (name: string, params: unknown) =>
    callTool(services, { name, caller: ctx.caller, params, clientSignal: () => ctx.signal });
  const [a, b] = args;
  switch (op) {
    case "readText":
      return readText(ctx, a);
    case "list":
      return builtin("list_files", { ...(a === undefined ? {} : { prefix: a }), ...asObject(b) });
    case "writeText": {
      const written = (await builtin("write_file", { path: a, content: b })) as Record<
        string,
        unknown
      >;
      return {
        path: written.path,
        size: written.size,
        sha256: written.sha256,
        created: written.created,
      };
    }
    case "search":
      return builtin("search", { query: a, ...asObject(b) });
  }
}

async function readText(ctx: ToolContext, path: unknown): Promise<string> {
  requireScope(ctx.caller, "read", "ctx.files.readText");
  if (typeof path !== "string")
    throw new QuiverError(
      400,
      "invalid_parameters",
      "ctx.files.readText(path): path must be a string",
    );
  const info = await ctx.files.require(normalizePath(path));
  if (!info.is_text)
    throw new QuiverError(415, "binary_file", `"${info.path}" is binary (${info.content_type})`);
  if (info.size > MAX_READ_TEXT_BYTES)
    throw new QuiverError(
      413,
      "file_too_large",
      `"${info.path}" is ${info.size} bytes; ctx.files.readText reads at most ${MAX_READ_TEXT_BYTES}`,
    );
  return new TextDecoder().decode(await ctx.files.readBytes(info));
}

function asObject(value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value))
    throw new QuiverError(400, "invalid_parameters", "options must be an object");
  return value as Record<string, unknown>;
}
