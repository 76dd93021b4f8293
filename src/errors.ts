/**
 * One error type for every expected failure. It carries an HTTP status and a stable
 * machine-readable code; the HTTP layer turns it into
 * `{"error": {"code", "message"}}` and MCP into an `isError` result.
 * Anything that is *not* a QuiverError is a bug: its message is never shown to callers.
 */
export class QuiverError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra response headers (WWW-Authenticate, Retry-After, Allow…). */
  readonly headers?: Record<string, string>;

  constructor(status: number, code: string, message: string, headers?: Record<string, string>) {
    super(message);
    this.name = "QuiverError";
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * Quiver cannot start (port in use, unusable data directory, corrupt database): the
 * message is one complete line saying what is wrong and what to do; the CLI prints it and
 * exits 1, without a stack trace.
 */
export class StartupError extends Error {
  override name = "StartupError";
}

export const badRequest = (code: string, message: string) => new QuiverError(400, code, message);
export const notFound = (code: string, message: string) => new QuiverError(404, code, message);

export interface ErrorBody {
  error: { code: string; message: string; request_id?: string };
}

export function errorBody(code: string, message: string, requestId?: string): ErrorBody {
  return { error: requestId ? { code, message, request_id: requestId } : { code, message } };
}

/** Storage failures that mean "the disk said no", not "quiver is broken". */
export function storageError(err: unknown): QuiverError | undefined {
  const code = (err as { code?: string })?.code;
  if (code === "ENOSPC" || code === "EDQUOT")
    return new QuiverError(
      507,
      "insufficient_storage",
      "the data directory is full; free space and retry",
    );
  if (code === "EROFS" || code === "EACCES" || code === "EPERM")
    return new QuiverError(503, "storage_unavailable", "the data directory is not writable");
  const msg = String((err as Error)?.message ?? "");
  if (msg.includes("SQLITE_FULL") || msg.includes("database or disk is full"))
    return new QuiverError(
      507,
      "insufficient_storage",
      "the data directory is full; free space and retry",
    );
  if (msg.includes("SQLITE_READONLY") || msg.includes("readonly database"))
    return new QuiverError(503, "storage_unavailable", "the data directory is not writable");
  return undefined;
}
