import { Elysia } from "elysia";
import { withCors } from "../mcp/cors.ts";
import { mcpHttpHandler, mcpPolicy } from "../mcp/http.ts";
import type { OpenServices } from "../services.ts";
import { errorResponse } from "./errors.ts";

/**
 * MCP Streamable HTTP at /mcp; the protocol lives in src/mcp/. Errors are turned into
 * responses here rather than in onError so that they get CORS headers too.
 */
export function mcpRoutes(services: OpenServices) {
  const handle = mcpHttpHandler(services);
  const policy = mcpPolicy(services);
  return new Elysia({ name: "quiver/mcp" }).all(
    "/mcp",
    async ({ request }) => {
      let response: Response;
      try {
        response = await handle(request);
      } catch (err) {
        response = errorResponse(request, err);
      }
      return request.headers.has("origin") ? withCors(request, response, policy) : response;
    },
    { parse: "none" },
  );
}
