import type { TSchema } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import { QuiverError, storageError } from "../errors.ts";
import { logError } from "../log.ts";
import type { AnyTool } from "../tools/define.ts";

/**
 * Tool outcomes as MCP `CallToolResult`s. Results are JSON text (what every client shows
 * the model) plus `structuredContent` when the tool declares an output schema. Failures
 * are `isError` results whose text the model can act on. Text is bounded: Claude Code
 * refuses tool results over 25k tokens, and a multi-megabyte block helps nobody.
 */
export const MAX_RESULT_CHARS = 80_000;

export interface CallToolResult extends Record<string, unknown> {
  content: { type: "text"; text: string }[];
  structuredContent?: unknown;
  isError?: boolean;
}

const outputChecks = new WeakMap<TSchema, TypeCheck<TSchema>>();

function outputCheck(schema: TSchema): TypeCheck<TSchema> {
  let check = outputChecks.get(schema);
  if (!check) outputChecks.set(schema, (check = TypeCompiler.Compile(schema)));
  return check;
}

export function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

export function successResult(tool: AnyTool, value: unknown): CallToolResult {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  if (tool.output) {
    if (!outputCheck(tool.output).Check(value)) {
      logError("tool result does not match its output schema", { tool: tool.name });
      return errorResult(
        `internal error: "${tool.name}" produced a result that does not match its output schema`,
      );
    }
    if (text.length > MAX_RESULT_CHARS)
      return errorResult(
        `the result of "${tool.name}" is ${text.length} characters, over the ${MAX_RESULT_CHARS} limit; ask for less (a smaller limit, a narrower prefix, a window of lines)`,
      );
    return { content: [{ type: "text", text }], structuredContent: value };
  }
  if (text.length > MAX_RESULT_CHARS)
    return {
      content: [
        { type: "text", text: text.slice(0, MAX_RESULT_CHARS) },
        {
          type: "text",
          text: `[result cut at ${MAX_RESULT_CHARS} of ${text.length} characters; ask for less (a smaller limit, a narrower prefix, a window of lines)]`,
        },
      ],
    };
  return { content: [{ type: "text", text }] };
}

/** A failure inside a tool: expected ones keep their message, bugs never show theirs. */
export function failureResult(tool: AnyTool, err: unknown): CallToolResult {
  const known = err instanceof QuiverError ? err : storageError(err);
  if (known) return errorResult(`${known.code}: ${known.message}`);
  if ((err as Error)?.name === "AbortError") return errorResult(`"${tool.name}" was cancelled`);
  logError("tool failed", { tool: tool.name, error: err });
  return errorResult(`internal error while running "${tool.name}"; the server log has the details`);
}
