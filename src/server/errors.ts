import { AuthError, errorBody, knownError, QuiverError } from "../errors.ts";
import { logError } from "../log.ts";
import { clientAbortResponse, isClientAbort } from "./client-abort.ts";
import { requestInfo } from "./request-info.ts";

/**
 * The one HTTP error renderer: anything thrown while handling a request becomes the one
 * error shape here. Expected failures (QuiverError) keep their status and message, with
 * an RFC 6750 challenge for authentication failures; Elysia's own errors are mapped;
 * anything else — and an `internal_error` wrapping a bug — is logged with the request id
 * and answered 500 without its details.
 */
export function errorResponse(
  request: Request,
  err: unknown,
  elysiaCode?: string | number,
): Response {
  const info = requestInfo(request);
  const known = knownError(err) ?? elysiaError(err, elysiaCode);
  if (known && known.code !== "internal_error") {
    const headers = { ...known.headers };
    if (known instanceof AuthError)
      headers["www-authenticate"] = challenge(known, info.challengeParams?.(request));
    return json(known.status, errorBody(known.code, known.message), headers);
  }
  if (isClientAbort(request, err)) return clientAbortResponse();
  logError("unhandled error", {
    req: info.id,
    method: request.method,
    path: new URL(request.url).pathname,
    error: known?.cause ?? err,
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

/**
 * Bun's last resort (Bun.serve's `error` option): a response our handler returned could not
 * be sent (a body Bun cannot read). No request is at hand there, so no request id; the
 * shape is the same as every other 500.
 */
export function responseFailed(error: unknown): Response {
  logError("response failed", { status: 500, error });
  return json(500, errorBody("internal_error", "internal error: the response could not be sent"));
}

/** `Bearer realm="quiver", error="…", scope="…"`, plus what the route adds (resource_metadata). */
function challenge(err: AuthError, extra: string | undefined): string {
  const parts = [`Bearer realm="quiver"`];
  if (err.challenge.error) parts.push(`error="${err.challenge.error}"`);
  if (err.challenge.scope) parts.push(`scope="${err.challenge.scope}"`);
  if (err.challenge.description)
    parts.push(`error_description="${err.challenge.description.replace(/["\\]/g, "")}"`);
  if (extra) parts.push(extra);
  return parts.join(", ");
}

function elysiaError(err: unknown, code?: string | number): QuiverError | undefined {
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
