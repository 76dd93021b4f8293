import { SCOPES } from "../store/tokens.ts";

/** The protected resource OAuth tokens are issued for: this server's MCP endpoint. */
export function resourceFor(publicUrl: string): string {
  return `${publicUrl}/mcp`;
}

/**
 * RFC 8414 authorization-server metadata. quiver is its own authorization server; its
 * issuer is the public URL. Only what is implemented is claimed: the code flow with PKCE
 * S256, public clients (no client secrets), Client ID Metadata Documents and dynamic
 * registration, `iss` in authorization responses (RFC 9207), revocation (RFC 7009).
 */
export function authorizationServerMetadata(publicUrl: string) {
  return {
    issuer: publicUrl,
    authorization_endpoint: `${publicUrl}/authorize`,
    token_endpoint: `${publicUrl}/token`,
    registration_endpoint: `${publicUrl}/register`,
    revocation_endpoint: `${publicUrl}/revoke`,
    scopes_supported: [...SCOPES],
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none"],
    revocation_endpoint_auth_methods_supported: ["none"],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
  };
}
