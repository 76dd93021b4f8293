import { QuiverError } from "../errors.ts";

/**
 * An OAuth protocol error. OAuth clients (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009) read
 * `{"error": "invalid_grant", "error_description": "…"}` — a string `error`, not quiver's
 * `{"error": {code, message}}` object — so the OAuth endpoints answer in that shape;
 * `code` doubles as the OAuth `error` value.
 */
export class OAuthError extends QuiverError {
  constructor(status: 400 | 401 | 403, error: string, description: string) {
    super(status, error, description);
    this.name = "OAuthError";
  }
}

export function oauthErrorResponse(err: OAuthError): Response {
  return new Response(JSON.stringify({ error: err.code, error_description: err.message }), {
    status: err.status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...(err.status === 401 ? { "www-authenticate": 'Basic realm="quiver"' } : {}),
    },
  });
}

export const invalidRequest = (description: string) =>
  new OAuthError(400, "invalid_request", description);
