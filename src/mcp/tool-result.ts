/*
 * Tool outcomes as MCP `CallToolResult`s — the one place a tool call's success or failure
 * becomes MCP. Results are JSON text (what every client shows the model) plus
 * `structuredContent` when the tool declares an output schema (the pipeline has checked
 * the result against it), then a `resource_link` per file the result names. Failures are `isError` results whose text the model can act on;
 * an unknown tool is a JSON-RPC error (spec). Text is bounded: Claude Code refuses tool
 * results over 25k tokens, and a multi-megabyte block helps nobody.
 */

import { AuthError, knownError } from "../errors.ts";
import { logError } from "../log.ts";
import type { AnyTool } from "../tools/define.ts";
import { INVALID_PARAMS, RpcError } from "./jsonrpc.ts";
import { type ResourceLink, resourceLinks } from "./resource-links.ts";

export const MAX_RESULT_CHARS = 80_000;

export interface CallToolResult extends Record<string, unknown> {
  content: ({ type: "text"; text: string } | ResourceLink)[];
  structuredContent?: unknown;
  isError?: boolean;
}

export function errorResult(text: string): CallToolResult {
  return { content: [{ type: "text", text }], isError: true };
}

export function successResult(tool: AnyTool, value: unknown): CallToolResult {
  const result = textResult(tool, value);
  if (!result.isError && tool.filesNamed)
    for (const link of resourceLinks(tool, value)) result.content.push(link);
  return result;
}

function textResult(tool: AnyTool, value: unknown): CallToolResult {
  const text = typeof value === "string" ? value : JSON.stringify(value ?? null);
  if (tool.output) {
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

/**
 * A failed call (the pipeline's QuiverError): expected failures keep their code and
 * message, bugs are logged and never show theirs. Authorization failures go back to the
 * transport when it answers them itself (`rethrowAuth`: HTTP's 403 with a challenge).
 */
export function failureResult(
  name: string,
  err: unknown,
  opts: { rethrowAuth?: boolean } = {},
): CallToolResult {
  if (opts.rethrowAuth && err instanceof AuthError) throw err;
  const known = knownError(err);
  if (known?.code === "unknown_tool") throw new RpcError(INVALID_PARAMS, known.message);
  if (known && known.code !== "internal_error")
    return errorResult(`${known.code}: ${known.message}`);
  logError("tool failed", { tool: name, error: known?.cause ?? err });
  return errorResult(
    known?.message ?? `internal error while running "${name}"; the server log has the details`,
  );
}
