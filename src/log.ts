import { stderrSink } from "./log-sink.ts";

/**
 * Structured logs: one JSON object per line on stderr (stdout stays free for the stdio
 * MCP transport and for command output). Tokens are never passed here, only token names.
 * A line that cannot be written is dropped and counted, never fatal (log-sink.ts).
 */
export function logLine(fields: Record<string, unknown>): void {
  stderrSink.write(`${JSON.stringify({ ts: new Date().toISOString(), ...fields })}\n`);
}

export function logError(msg: string, fields: Record<string, unknown> = {}): void {
  const error = fields.error;
  const rest = { ...fields };
  if (error instanceof Error)
    rest.error = { name: error.name, message: error.message, stack: error.stack };
  logLine({ level: "error", msg, ...rest });
}

export function logInfo(msg: string, fields: Record<string, unknown> = {}): void {
  logLine({ level: "info", msg, ...fields });
}
