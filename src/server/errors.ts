import { errorBody, QuiverError, storageError } from "../errors.ts";
import { logError } from "../log.ts";
import { clientAbortResponse, isClientAbort } from "./client-abort.ts";
import { requestInfo } from "./request-info.ts";

/**
 * Turns anything thrown while handling a request into the one error shape. Expected
 * failures (QuiverError) keep their status and message; Elysia's own errors are mapped;
 * anything else is a bug: logged with the request id, answered 500 without its message.
 */
export function errorResponse(
  request: Request,
  err: unknown,
  elysiaCode?: string | number,
): Response {
  const info = requestInfo(request);
  const known = toQuiverError(err, elysiaCode) ?? storageError(err);
  if (known) return json(known.status, errorBody(known.code, known.message), known.headers);
  if (isClientAbort(request, err)) return clientAbortResponse();
  logError("unhandled error", {
    req: info.id,
    method: request.method,
    path: new URL(request.url).pathname,
    error: err,
  });
  return json(
    500,
    errorBody(
      "internal_error",
      `internal error; quote request id ${info.id} when reporting it`,
      info.id,
    ),
  );
}

function toQuiverError(err: unknown, code?: string | number): QuiverError | undefined {
  if (err instanceof QuiverError) return err;
  switch (code) {
    case "NOT_FOUND":
      return new QuiverError(
        404,
        "not_found",
        "no such route; see GET /tools for the tools and /files/<path> for files",
      );
    case "PARSE":
      return new QuiverError(400, "invalid_json", "request body could not be parsed");
    case "VALIDATION":
      return new QuiverError(
        400,
        "invalid_request",
        String((err as Error)?.message ?? "invalid request").slice(0, 500),
      );
    case "INVALID_COOKIE_SIGNATURE":
      return new QuiverError(400, "invalid_request", "invalid cookie signature");
  }
  return undefined;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
  });
}
