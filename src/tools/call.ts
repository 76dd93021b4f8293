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
  return await tool.run(args as never, ctx);
}
