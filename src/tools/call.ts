import { QuiverError } from "../errors.ts";
import { requireScope } from "../store/tokens.ts";
import type { AnyTool, ToolContext } from "./define.ts";
import { validateParameters } from "./validate.ts";

/**
 * Runs one tool call for any transport: scope check, parameter validation, handler.
 * Throws QuiverError for every expected failure.
 */
export async function callTool(tool: AnyTool, params: unknown, ctx: ToolContext): Promise<unknown> {
  requireScope(ctx.caller, tool.scope, `tool "${tool.name}"`);
  const args = validateParameters(tool, params);
  const pending = tool.run(args as never, ctx);
  // A synchronous tool has already finished: no timer to arm.
  if (!(pending instanceof Promise)) return pending;
  const timeoutMs = ctx.config.toolTimeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new QuiverError(
            504,
            "tool_timeout",
            `tool "${tool.name}" took longer than ${timeoutMs / 1000}s; for long work use a job (import_path) and poll job_status`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([pending, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
