/**
 * One error type for every expected failure. It carries an HTTP status and a stable
 * machine-readable code; each transport turns it into its own shape in one place (the
 * HTTP renderer: `{"error": {"code", "message"}}`; MCP: an `isError` result or a JSON-RPC
 * error; the CLI: one line and an exit code). A 500 `internal_error` wraps a bug: its
 * `cause` goes to the log, never to the caller.
 */
export class QuiverError extends Error {
  readonly status: number;
  readonly code: string;
  /** Extra response headers set by the HTTP layer itself (Retry-After, Allow…). */
  readonly headers?: Record<string, string>;

  constructor(
    status: number,
    code: string,
    message: string,
    headers?: Record<string, string>,
    options?: ErrorOptions,
  ) {
    super(message, options);
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

/**
 * A failed authentication or authorization (401, 403, a token in the URL). It says what
 * went wrong in RFC 6750 terms; the HTTP layer builds the `WWW-Authenticate` challenge
 * from it (and adds what only it knows, such as /mcp's resource metadata URL).
 */
export class AuthError extends QuiverError {
  constructor(
    status: 400 | 401 | 403,
    code: string,
    message: string,
    readonly challenge: {
      error?: "invalid_request" | "invalid_token" | "insufficient_scope";
      scope?: string;
      /** RFC 6750 §3 error_description: why the token was refused (expired, revoked…). */
      description?: string;
    },
  ) {
    super(status, code, message);
    this.name = "AuthError";
  }
}

export const badRequest = (code: string, message: string) => new QuiverError(400, code, message);
export const notFound = (code: string, message: string) => new QuiverError(404, code, message);

/** A bug, wrapped: the message is safe to show, the cause is for the log only. */
export function internalError(message: string, cause: unknown): QuiverError {
  return new QuiverError(500, "internal_error", message, undefined, { cause });
}

export interface ErrorBody {
  error: { code: string; message: string; request_id?: string };
}

export function errorBody(code: string, message: string, requestId?: string): ErrorBody {
  return { error: requestId ? { code, message, request_id: requestId } : { code, message } };
}

/** The QuiverError an expected failure stands for, or undefined for a bug. */
export function knownError(err: unknown): QuiverError | undefined {
  return err instanceof QuiverError ? err : storageError(err);
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
  // Out of file descriptors: a moment of overload, not a bug (connection-guard.ts keeps
  // requests below the limit; other processes or the kernel-wide table can still run out).
  if (
    code === "EMFILE" ||
    code === "ENFILE" ||
    /\bEMFILE\b|too many open files/i.test(String((err as Error)?.message))
  )
    return new QuiverError(
      503,
      "server_busy",
      "the server is out of file descriptors; retry shortly",
      { "retry-after": "1" },
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
