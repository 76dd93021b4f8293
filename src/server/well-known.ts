import { Elysia } from "elysia";
import { SCOPES } from "../store/tokens.ts";

/**
 * RFC 9728 protected-resource metadata, open to all: MCP clients read it after a 401
 * (the challenge's resource_metadata names it) to learn how to authenticate. quiver
 * issues its own bearer tokens (quiver token create), so no authorization server is
 * listed; the document says where tokens go and which scopes exist.
 */
export function protectedResourceMetadata(request: Request) {
  const origin = new URL(request.url).origin;
  return {
    resource: `${origin}/mcp`,
    resource_name: "quiver",
    bearer_methods_supported: ["header"],
    scopes_supported: [...SCOPES],
  };
}

export function wellKnownRoutes() {
  return new Elysia({ name: "quiver/well-known" })
    .get("/.well-known/oauth-protected-resource", ({ request }) =>
      protectedResourceMetadata(request),
    )
    .get("/.well-known/oauth-protected-resource/mcp", ({ request }) =>
      protectedResourceMetadata(request),
    );
}
