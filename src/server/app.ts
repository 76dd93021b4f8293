import { Elysia } from "elysia";
import type { OpenServices } from "../services.ts";
import { errorResponse } from "./errors.ts";
import { fileRoutes } from "./routes-files.ts";
import { mcpRoutes } from "./routes-mcp.ts";
import { toolRoutes } from "./routes-tools.ts";
import { wellKnownRoutes } from "./well-known.ts";

/**
 * The HTTP surface. `onError` comes first: Elysia hooks apply only to what is registered
 * after them, and without it Elysia answers raw error messages.
 */
export function createApp(services: OpenServices) {
  return new Elysia({ name: "quiver" })
    .onError(({ request, error, code }) => errorResponse(request, error, code))
    .get("/healthz", () => ({ status: "ok" }))
    .use(toolRoutes(services))
    .use(fileRoutes(services))
    .use(mcpRoutes(services))
    .use(wellKnownRoutes());
}

export type App = ReturnType<typeof createApp>;
