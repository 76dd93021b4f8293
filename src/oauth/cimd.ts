import { isLoopback } from "../config.ts";
import type { OAuthClients } from "../store/interfaces/oauth.ts";
import type { OAuthClient } from "../store/oauth-clients.ts";
import { checkClientMetadata, MAX_URI_LENGTH } from "./client-metadata.ts";
import { invalidRequest, OAuthError } from "./errors.ts";
import { FetchRefused, safeGet } from "./safe-fetch.ts";

/*
 * Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a client
 * whose client_id is an https URL publishes its metadata there. The document is fetched
 * through safeGet (addresses checked, no redirects, bounded size and time), must name the
 * same client_id, must not claim a shared secret, and is cached — per its Cache-Control
 * max-age, kept between 5 minutes and a day.
 */

export const CIMD_MAX_BYTES = 16 * 1024;
export const CIMD_TIMEOUT_MS = 5_000;
const MIN_FRESH_MS = 5 * 60_000;
const MAX_FRESH_MS = 86_400_000;
const DEFAULT_FRESH_MS = 3_600_000;

/** Whether a client_id is a URL (a CIMD client) rather than an id this server issued. */
export function isUrlClientId(clientId: string): boolean {
  return clientId.startsWith("https://") || clientId.startsWith("http://");
}

/** The rules for the URL itself, checked before anything is fetched. */
export function checkClientIdUrl(clientId: string, allowPrivate: boolean): URL {
  const refuse = (why: string) => invalidRequest(`client_id ${clientId}: ${why}`);
  if (clientId.length > MAX_URI_LENGTH) throw refuse("longer than 2,000 characters");
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    throw refuse("not a URL");
  }
  const loopbackHttp = allowPrivate && url.protocol === "http:" && isLoopback(url.hostname);
  if (url.protocol !== "https:" && !loopbackHttp)
    throw refuse("a client metadata URL must be https");
  if (url.hash || clientId.includes("#")) throw refuse("must not have a fragment");
  if (url.username || url.password) throw refuse("must not carry user info");
  if (url.pathname === "/") throw refuse("must have a path (the document's location)");
  // On the raw text: the URL parser has already removed dot segments from url.pathname.
  if (/\/(\.|%2e){1,2}(\/|\?|$)/i.test(clientId.replace(/^https?:\/\//, "")))
    throw refuse("must not contain . or .. path segments");
  return url;
}

export async function resolveCimdClient(
  clientId: string,
  clients: OAuthClients,
  opts: { allowPrivate: boolean },
  now = Date.now(),
): Promise<OAuthClient> {
  const cached = await clients.get(clientId);
  if (cached?.kind === "cimd" && (cached.fresh_until ?? 0) > now) return cached;
  const url = checkClientIdUrl(clientId, opts.allowPrivate);
  let answer: Awaited<ReturnType<typeof safeGet>>;
  try {
    answer = await safeGet(url, {
      maxBytes: CIMD_MAX_BYTES,
      timeoutMs: CIMD_TIMEOUT_MS,
      allowPrivate: opts.allowPrivate,
    });
  } catch (err) {
    if (err instanceof FetchRefused)
      throw invalidRequest(
        `client metadata document ${clientId} cannot be fetched: ${err.message}`,
      );
    throw err;
  }
  const refuse = (why: string) =>
    new OAuthError(400, "invalid_client_metadata", `client metadata document ${clientId}: ${why}`);
  if (answer.status !== 200)
    throw refuse(
      `answered HTTP ${answer.status} (redirects are not followed); expected 200 with JSON`,
    );
  if (
    !/^application\/(?:[\w.+-]+\+)?json\s*(;|$)/i.test(String(answer.headers["content-type"] ?? ""))
  )
    throw refuse("is not served as application/json");
  let doc: unknown;
  try {
    doc = JSON.parse(answer.body);
  } catch {
    throw refuse("is not valid JSON");
  }
  const m = doc as Record<string, unknown>;
  if (typeof m !== "object" || m === null || m.client_id !== clientId)
    throw refuse("its client_id must be exactly the URL it is served from");
  if (m.client_secret !== undefined || m.client_secret_expires_at !== undefined)
    throw refuse("must not contain a client_secret");
  if (m.token_endpoint_auth_method !== undefined && m.token_endpoint_auth_method !== "none")
    throw refuse(
      'token_endpoint_auth_method must be "none" (this server issues no client secrets)',
    );
  const checked = checkClientMetadata(doc);
  const client: OAuthClient = {
    id: clientId,
    kind: "cimd",
    name: checked.name ?? url.host,
    redirect_uris: checked.redirect_uris,
    metadata: { client_name: checked.name, redirect_uris: checked.redirect_uris },
    created_at: cached?.created_at ?? now,
    fresh_until: now + freshFor(String(answer.headers["cache-control"] ?? "")),
  };
  await clients.put(client);
  return client;
}

function freshFor(cacheControl: string): number {
  if (/\bno-(store|cache)\b/i.test(cacheControl)) return MIN_FRESH_MS;
  const maxAge = /\bmax-age=(\d+)/i.exec(cacheControl);
  const ms = maxAge ? Number(maxAge[1]) * 1000 : DEFAULT_FRESH_MS;
  return Math.min(MAX_FRESH_MS, Math.max(MIN_FRESH_MS, ms));
}
