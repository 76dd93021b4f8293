import { Elysia } from "elysia";
import type { OpenServices } from "../services.ts";
import type { AuthPlugin } from "./auth.ts";

/**
 * OAuth grants over HTTP, for admins (the web console's Tokens page; `quiver token list`
 * and `quiver token revoke grt_...` do the same on the data directory): `GET /oauth/grants`
 * lists them (client, scope, created, last use, revoked), `DELETE /oauth/grants/<id>` ends
 * one — its access and refresh tokens are refused from the next request on.
 */
export function grantRoutes(services: OpenServices, auth: AuthPlugin) {
  const { grants } = services.oauth;
  return new Elysia({ name: "quiver/oauth-grants" })
    .use(auth)
    .get("/oauth/grants", () => ({ grants: grants.list() }), { auth: "admin" })
    .delete(
      "/oauth/grants/:id",
      ({ params }) => ({ grant: grants.revoke(decodeURIComponent(params.id)) }),
      { auth: "admin" },
    );
}
