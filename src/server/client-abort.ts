import { errorBody } from "../errors.ts";

/**
 * A client that hangs up mid-request is not a bug: reading its body throws
 * `AbortError: The connection was closed`, and that used to be logged as a 500
 * "unhandled error". It is answered 499 (nginx's "client closed request"; nobody receives
 * it, but the access log shows it) and logged at info level, without a stack.
 */
export const CLIENT_CLOSED = 499;

export function isClientAbort(request: Request, err: unknown): boolean {
  if (request.signal.aborted) return true;
  const e = err as { name?: string; message?: string } | undefined;
  return e?.name === "AbortError" && /connection was closed/i.test(e.message ?? "");
}

export function clientAbortResponse(): Response {
  return new Response(
    JSON.stringify(errorBody("client_closed_request", "the client closed the connection")),
    { status: CLIENT_CLOSED, headers: { "content-type": "application/json; charset=utf-8" } },
  );
}
