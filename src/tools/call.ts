import { QuiverError } from "../errors.ts";
import { scopeAllows } from "../store/tokens.ts";
import type { AnyTool, ToolContext } from "./define.ts";
import { validateParameters } from "./validate.ts";

/**
 * Runs one tool call for any transport: scope check, parameter validation, handler.
 * Throws QuiverError for every expected failure.
 */
export async function callTool(tool: AnyTool, params: unknown, ctx: ToolContext): Promise<unknown> {
  if (!scopeAllows(ctx.caller.scope, tool.scope))
    throw new QuiverError(403, "insufficient_scope", `tool "${tool.name}" needs a token with scope "${tool.scope}"; this token has "${ctx.caller.scope}"`, {
      "WWW-Authenticate": `Bearer realm="quiver", error="insufficient_scope", scope="${tool.scope}"`,
    });
  const args = validateParameters(tool, params);
  const timeoutMs = ctx.config.toolTimeoutMs;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new QuiverError(504, "tool_timeout", `tool "${tool.name}" took longer than ${timeoutMs / 1000}s; for long work use a job (import_path) and poll job_status`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([Promise.resolve(tool.run(args as never, ctx)), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
