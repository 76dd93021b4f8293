import { Elysia } from "elysia";
import type { OpenServices } from "../services.ts";
import { consoleRoutes } from "../web/routes.ts";
import { WebSessions } from "../web/session.ts";
import { authPlugin, createAuthenticator } from "./auth.ts";
import { errorResponse } from "./errors.ts";
import { lazyHeadersAdapter } from "./lazy-headers.ts";
import { fileRoutes } from "./routes-files.ts";
import { mcpRoutes } from "./routes-mcp.ts";
import { oauthRoutes } from "./routes-oauth.ts";
import { skillRoutes } from "./routes-skills.ts";
import { tokenRoutes } from "./routes-tokens.ts";
import { toolRoutes } from "./routes-tools.ts";
import { wellKnownRoutes } from "./well-known.ts";

/**
 * The HTTP surface. `onError` comes first: Elysia hooks apply only to what is registered
 * after them, and without it Elysia answers raw error messages. Every route but the open
 * ones (/healthz, the RFC 9728 metadata) declares its scope to the one auth plugin.
 * `standardHostname: false`: Elysia otherwise looks for the path from the 12th character of
 * the URL, so a Host of 1-3 characters ("http://a/files/tools") routed to "/tools". Our
 * URLs are always "http://" (Bun.serve without TLS), which this setting reads correctly.
 * The web console (src/web/) is a client of these same routes, signed in by a session
 * cookie that the auth plugin accepts in place of a bearer token.
 */
export function createApp(services: OpenServices) {
  const sessions = new WebSessions(services.sessions, services.tokens);
  const auth = authPlugin(createAuthenticator(services.tokens, services.config, sessions), {
    synchronous: services.synchronous,
  });
  return new Elysia({
    name: "quiver",
    adapter: lazyHeadersAdapter,
    handler: { standardHostname: false },
  })
    .onError(({ request, error, code }) => errorResponse(request, error, code))
    .get("/healthz", () => ({ status: "ok" }))
    .use(toolRoutes(services, auth))
    .use(fileRoutes(services, auth))
    .use(mcpRoutes(services, auth))
    .use(skillRoutes(services, auth))
    .use(wellKnownRoutes(services.config))
    .use(tokenRoutes(services, auth))
    .use(oauthRoutes(services, sessions))
    .use(consoleRoutes(services, auth, sessions));
}

export type App = ReturnType<typeof createApp>;
