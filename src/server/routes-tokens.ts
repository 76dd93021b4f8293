import { Elysia } from "elysia";
import { badRequest } from "../errors.ts";
import type { OpenServices } from "../services.ts";
import { SCOPES, type Scope } from "../store/tokens.ts";
import type { AuthPlugin } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { json } from "./errors.ts";

const MAX_NAME = 100;

/**
 * Tokens over HTTP, for admins (the web console's Tokens page; `quiver token` does the
 * same on the data directory): `GET /tokens` lists them (never a secret), `POST /tokens`
 * `{name, scope}` creates one and answers its secret — the only time it is shown —, and
 * `DELETE /tokens/<id or name>` revokes one, which also ends its console sessions.
 * `GET /grants` and `DELETE /grants/<id>` do the same for OAuth grants (what a client
 * such as claude.ai was allowed through the consent page; its access tokens are not
 * listed as tokens).
 */
export function tokenRoutes(services: OpenServices, auth: AuthPlugin) {
  const { tokens, sessions } = services;
  const { grants } = services.oauth;
  return new Elysia({ name: "quiver/tokens" })
    .use(auth)
    .get("/tokens", async () => ({ tokens: await tokens.list() }), { auth: "admin" })
    .post(
      "/tokens",
      async ({ request }) => {
        const body = await readJsonBody(request, services.config.maxBodyBytes);
        const { name, scope = "read" } = (body ?? {}) as { name?: unknown; scope?: unknown };
        if (typeof name !== "string" || !name.trim() || name.length > MAX_NAME)
          throw badRequest(
            "invalid_parameters",
            `body.name: give the token a name of 1-${MAX_NAME} characters, e.g. {"name": "ci-bot", "scope": "write"}`,
          );
        if (!SCOPES.includes(scope as Scope))
          throw badRequest("invalid_parameters", `body.scope must be one of ${SCOPES.join(", ")}`);
        const { info, secret } = await tokens.create(name.trim(), scope as Scope);
        return json(201, { token: info, secret });
      },
      { auth: "admin", parse: "none" },
    )
    .delete(
      "/tokens/:id",
      async ({ params }) => {
        const info = await tokens.revoke(decodeURIComponent(params.id));
        await sessions.endAllFor(info.id);
        return { token: info };
      },
      { auth: "admin" },
    )
    .get("/grants", async () => ({ grants: await grants.list() }), { auth: "admin" })
    .delete(
      "/grants/:id",
      async ({ params }) => ({ grant: await grants.revoke(decodeURIComponent(params.id)) }),
      { auth: "admin" },
    );
}
