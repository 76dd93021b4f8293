import { isLoopback } from "../config.ts";
import { OAuthError } from "./errors.ts";

/*
 * Client metadata, as registered (RFC 7591) or published at a client_id URL (Client ID
 * Metadata Document): checked the same way, since both come from whoever the client is.
 * Only what this server uses is kept: the name (shown on the consent page, untrusted) and
 * the redirect URIs (compared exactly at /authorize).
 */

export const MAX_REDIRECT_URIS = 10;
export const MAX_URI_LENGTH = 2_000;
export const MAX_NAME_LENGTH = 100;

/** Schemes that never name an app to return to, whatever a client registers. */
const NEVER = new Set([
  "javascript:",
  "data:",
  "file:",
  "vbscript:",
  "about:",
  "blob:",
  "ftp:",
  "ws:",
  "wss:",
]);

const badMetadata = (message: string) => new OAuthError(400, "invalid_client_metadata", message);
const badRedirect = (message: string) => new OAuthError(400, "invalid_redirect_uri", message);

/**
 * A redirect URI a client may register: https anywhere, http only to this machine's
 * loopback (native apps, RFC 8252 §7.3), or a private-use scheme in reverse-domain form
 * (`com.example.app:/callback`, RFC 8252 §7.1). Never a fragment or user info.
 */
export function checkRedirectUri(value: unknown): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_URI_LENGTH)
    throw badRedirect(`each redirect URI must be a string of 1-${MAX_URI_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw badRedirect(`redirect URI ${JSON.stringify(value)} is not an absolute URL`);
  }
  if (url.hash || value.includes("#"))
    throw badRedirect(`redirect URI ${value} must not have a fragment`);
  if (url.username || url.password)
    throw badRedirect(`redirect URI ${value} must not carry user info`);
  if (url.protocol === "https:") return value;
  if (url.protocol === "http:") {
    if (isLoopback(url.hostname)) return value;
    throw badRedirect(
      `redirect URI ${value}: http is allowed only to localhost/127.0.0.1/[::1]; use https`,
    );
  }
  if (!NEVER.has(url.protocol) && /^[a-z][a-z0-9+-]*\.[a-z0-9+.-]+:$/.test(url.protocol))
    return value;
  throw badRedirect(
    `redirect URI ${value}: the scheme must be https, http to loopback, or a reverse-domain private scheme (com.example.app:)`,
  );
}

export interface CheckedMetadata {
  name?: string;
  redirect_uris: string[];
}

/** What both registration paths require of a client's metadata. */
export function checkClientMetadata(doc: unknown): CheckedMetadata {
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw badMetadata("client metadata must be a JSON object");
  const m = doc as Record<string, unknown>;
  const uris = m.redirect_uris;
  if (!Array.isArray(uris) || uris.length === 0 || uris.length > MAX_REDIRECT_URIS)
    throw badRedirect(`redirect_uris must be an array of 1-${MAX_REDIRECT_URIS} URIs`);
  const redirect_uris = uris.map(checkRedirectUri);
  const grants = m.grant_types;
  if (
    grants !== undefined &&
    (!Array.isArray(grants) ||
      !grants.every((g) => g === "authorization_code" || g === "refresh_token"))
  )
    throw badMetadata('grant_types may hold only "authorization_code" and "refresh_token"');
  const responses = m.response_types;
  if (
    responses !== undefined &&
    (!Array.isArray(responses) || !responses.every((r) => r === "code"))
  )
    throw badMetadata('response_types may hold only "code"');
  let name: string | undefined;
  if (m.client_name !== undefined) {
    if (typeof m.client_name !== "string") throw badMetadata("client_name must be a string");
    // Control and formatting characters could disguise the name on the consent page.
    name =
      m.client_name
        .replace(/[\p{Cc}\p{Cf}]/gu, "")
        .trim()
        .slice(0, MAX_NAME_LENGTH) || undefined;
  }
  return { ...(name ? { name } : {}), redirect_uris };
}
