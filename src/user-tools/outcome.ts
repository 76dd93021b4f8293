/*
 * What a user tool's failure or result becomes. A user tool's bug is not quiver's bug: a
 * throw answers 422 tool_error with the tool's message (logged with its file), and a result
 * that does not match its own output schema answers 422 too, never a 500.
 */

import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { QuiverError } from "../errors.ts";
import { logLine } from "../log.ts";
import type { DeclaredTool, ThrownError } from "./protocol.ts";

const MAX_MESSAGE_CHARS = 2000;
const CODE = /^[a-z][a-z0-9_]{0,63}$/;
/** Statuses a tool may choose: client errors, and the store's own "retry later" answers passed on. */
const PASSED_ON = new Set([502, 503, 504, 507]);

export function toolFailure(e: ThrownError, tool: DeclaredTool): QuiverError {
  const message = e.message.slice(0, MAX_MESSAGE_CHARS);
  const status = e.status ?? 0;
  const chosen =
    e.code && CODE.test(e.code) && ((status >= 400 && status <= 499) || PASSED_ON.has(status));
  if (chosen) return new QuiverError(status, e.code!, message);
  logLine({
    level: "warn",
    msg: "user tool threw",
    tool: tool.name,
    file: tool.file,
    error: { name: e.name, message, stack: e.stack?.slice(0, 4000) },
  });
  return new QuiverError(422, "tool_error", `tool "${tool.name}" failed: ${message}`);
}

export function compileOutputCheck(tool: DeclaredTool, schema: TSchema): (value: unknown) => void {
  const check = TypeCompiler.Compile(schema);
  return (value) => {
    if (check.Check(value)) return;
    const first = check.Errors(value).First();
    throw new QuiverError(
      422,
      "tool_output_invalid",
      `tool "${tool.name}" returned a result that does not match its output schema: ${first?.path || "/"}: ${first?.message ?? "invalid"}`,
    );
  };
}
