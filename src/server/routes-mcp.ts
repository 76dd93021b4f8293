import { Elysia } from "elysia";
import { mcpHttpHandler } from "../mcp/http.ts";
import type { OpenServices } from "../services.ts";

/** MCP Streamable HTTP at /mcp; the protocol lives in src/mcp/. */
export function mcpRoutes(services: OpenServices) {
  const handle = mcpHttpHandler(services);
  return new Elysia({ name: "quiver/mcp" }).all("/mcp", ({ request }) => handle(request), { parse: "none" });
}
