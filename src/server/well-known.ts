import { Elysia } from "elysia";
import type { Config } from "../config.ts";
import { resourceFor } from "../oauth/metadata.ts";
import { SCOPES } from "../store/tokens.ts";

/**
 * RFC 9728 protected-resource metadata, open to all: MCP clients read it after a 401
 * (the challenge's resource_metadata names it) to learn how to authenticate. With
 * --public-url quiver is its own authorization server and lists itself; without it no
 * authorization server is listed — tokens come from `quiver token create` — and the
 * document says where they go and which scopes exist.
 */
export function protectedResourceMetadata(request: Request, publicUrl?: string) {
  const origin = publicUrl ?? new URL(request.url).origin;
  return {
    resource: publicUrl ? resourceFor(publicUrl) : `${origin}/mcp`,
    resource_name: "quiver",
    ...(publicUrl ? { authorization_servers: [publicUrl] } : {}),
    bearer_methods_supported: ["header"],
    scopes_supported: [...SCOPES],
  };
}

export function wellKnownRoutes(config: Pick<Config, "publicUrl">) {
  const answer = ({ request }: { request: Request }) => {
    const response = Response.json(protectedResourceMetadata(request, config.publicUrl));
    // Browser-based MCP clients read it cross-origin; it holds nothing private.
    response.headers.set("access-control-allow-origin", "*");
    return response;
  };
  return new Elysia({ name: "quiver/well-known" })
    .get("/.well-known/oauth-protected-resource", answer)
    .get("/.well-known/oauth-protected-resource/mcp", answer);
}
