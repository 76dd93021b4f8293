import type { OAuthClients } from "../store/interfaces/oauth.ts";
import type { OAuthClient } from "../store/oauth-clients.ts";
import { checkClientMetadata } from "./client-metadata.ts";

/**
 * Dynamic Client Registration (RFC 7591), kept for clients that do not publish a Client ID
 * Metadata Document. Every client is public: whatever token_endpoint_auth_method is asked
 * for, "none" is registered and said so in the answer (§3.2.1 lets the server replace
 * requested values) — no client secret is ever issued, so none can leak; PKCE protects
 * the code instead.
 */
export async function registerClient(body: unknown, clients: OAuthClients, now = Date.now()) {
  const checked = checkClientMetadata(body);
  const id = `qvc_${Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString("base64url")}`;
  const client: OAuthClient = {
    id,
    kind: "dcr",
    name: checked.name ?? "unnamed client",
    redirect_uris: checked.redirect_uris,
    metadata: { client_name: checked.name, redirect_uris: checked.redirect_uris },
    created_at: now,
  };
  await clients.put(client);
  return {
    client_id: id,
    client_id_issued_at: Math.floor(now / 1000),
    ...(checked.name ? { client_name: checked.name } : {}),
    redirect_uris: checked.redirect_uris,
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  };
}
