import { Elysia } from "elysia";
import { QuiverError } from "../errors.ts";
import {
  type AuthorizationRequest,
  checkAuthorizationRequest,
  PageError,
  RedirectError,
} from "../oauth/authorize-request.ts";
import { decide } from "../oauth/consent.ts";
import { consentPage, errorPage } from "../oauth/consent-page.ts";
import { invalidRequest, OAuthError, oauthErrorResponse } from "../oauth/errors.ts";
import { authorizationServerMetadata, resourceFor } from "../oauth/metadata.ts";
import { type Pending, PendingRequests } from "../oauth/pending.ts";
import { registerClient } from "../oauth/registration.ts";
import { exchange } from "../oauth/token-endpoint.ts";
import type { OpenServices } from "../services.ts";
import type { WebSessions } from "../web/session.ts";
import { checkDeclaredLength, readJsonBody, readTextBounded } from "./body.ts";
import {
  consentCookie,
  cookie,
  cookieName,
  html,
  OPEN_CORS,
  preflight,
  withCors,
} from "./oauth-http.ts";
import { RateLimiter } from "./rate-limit.ts";
import { requestInfo } from "./request-info.ts";

/**
 * quiver as its own OAuth 2.1 authorization server (issue 17), on when --public-url is
 * set: RFC 8414 metadata, registration (RFC 7591; Client ID Metadata Documents need none),
 * /authorize with its consent page, /token, /revoke (RFC 7009). The protocol decisions
 * live in src/oauth/; this file only reads requests and writes responses. The JSON
 * endpoints answer errors in OAuth's shape (`{error, error_description}`), which OAuth
 * client libraries parse; the browser-facing ones answer with pages.
 */
const MAX_FORM_BYTES = 16 * 1024;

export function oauthRoutes(services: OpenServices, sessions?: WebSessions) {
  const { config, oauth } = services;
  const publicUrl = config.publicUrl;
  const resource = publicUrl ? resourceFor(publicUrl) : "";
  const pending = new PendingRequests();
  const limited = config.rateLimit > 0;
  const registrations = new RateLimiter(
    limited ? 0.2 : 0,
    "client registrations from this address",
    20,
  );
  const signIns = new RateLimiter(
    limited ? 0.1 : 0,
    "failed consent sign-ins from this address",
    10,
  );
  const address = (request: Request) => requestInfo(request).address?.() ?? "unknown";
  const enabled = () => {
    if (!publicUrl)
      throw new QuiverError(
        404,
        "oauth_disabled",
        "OAuth is off: start quiver with --public-url https://<the address clients reach> to be an authorization server",
      );
    return publicUrl;
  };
  const oauthJson = async (run: () => unknown | Promise<unknown>, status = 200) => {
    try {
      const body = await run();
      return new Response(JSON.stringify(body), {
        status,
        headers: {
          "content-type": "application/json; charset=utf-8",
          "cache-control": "no-store",
          ...OPEN_CORS,
        },
      });
    } catch (err) {
      if (err instanceof OAuthError) {
        const response = oauthErrorResponse(err);
        for (const [k, v] of Object.entries(OPEN_CORS)) response.headers.set(k, v);
        return response;
      }
      throw err;
    }
  };
  const readForm = async (request: Request) => {
    const type = request.headers.get("content-type") ?? "";
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type))
      throw invalidRequest("send the parameters as application/x-www-form-urlencoded");
    checkDeclaredLength(request, MAX_FORM_BYTES);
    return new URLSearchParams(await readTextBounded(request, MAX_FORM_BYTES));
  };
  const showPage = (p: Pending, error?: string, status = 200) =>
    html(consentPage(p, error), status, p.request, {
      "set-cookie": consentCookie(p, publicUrl ?? ""),
    });

  return new Elysia({ name: "quiver/oauth" })
    .get("/.well-known/oauth-authorization-server", () =>
      withCors(Response.json(authorizationServerMetadata(enabled()))),
    )
    .options("/token", () => preflight())
    .options("/register", () => preflight())
    .options("/revoke", () => preflight())
    .post(
      "/register",
      async ({ request }) => {
        enabled();
        registrations.take(address(request));
        return oauthJson(async () => {
          let body: unknown;
          try {
            body = await readJsonBody(request, MAX_FORM_BYTES);
          } catch (err) {
            if (err instanceof QuiverError && err.status < 500 && err.status !== 413)
              throw new OAuthError(400, "invalid_client_metadata", err.message);
            throw err;
          }
          return registerClient(body, oauth.clients);
        }, 201);
      },
      { parse: "none" },
    )
    .get("/authorize", async ({ request }) => {
      const issuer = enabled();
      let req: AuthorizationRequest;
      try {
        req = await checkAuthorizationRequest(new URL(request.url).searchParams, {
          clients: oauth.clients,
          resource,
          allowPrivate: config.oauthAllowPrivateClientUrls,
        });
      } catch (err) {
        if (err instanceof RedirectError) {
          const url = new URL(err.redirectUri);
          url.searchParams.set("error", err.error);
          url.searchParams.set("error_description", err.description);
          if (err.state !== undefined) url.searchParams.set("state", err.state);
          url.searchParams.set("iss", issuer);
          return new Response(null, { status: 303, headers: { location: url.href } });
        }
        if (err instanceof PageError)
          return html(errorPage("This connection request cannot be used", err.message), err.status);
        throw err;
      }
      return showPage(pending.add(req));
    })
    .post(
      "/authorize",
      async ({ request }) => {
        const issuer = enabled();
        const form = await readForm(request).catch((err) => {
          if (err instanceof OAuthError) return new URLSearchParams();
          throw err;
        });
        const id = form.get("request_id") ?? "";
        const at = address(request);
        signIns.check(at);
        const decision = await decide(
          {
            id,
            csrf: form.get("csrf") ?? undefined,
            browserKey: cookie(request, cookieName(id)),
            decision: form.get("decision") ?? undefined,
            scope: form.get("scope") ?? undefined,
            credential: form.get("credential") ?? undefined,
            consoleAdmin: (await sessions?.current(request))?.caller.scope === "admin",
          },
          {
            pending,
            codes: oauth.codes,
            tokens: services.tokens,
            password: oauth.password,
            issuer,
          },
        );
        if (decision.kind === "redirect")
          return new Response(null, {
            status: 303,
            headers: {
              location: decision.location,
              "set-cookie": `${cookieName(id)}=; Path=/authorize; Max-Age=0; HttpOnly; SameSite=Strict`,
            },
          });
        if (decision.kind === "refused")
          return html(errorPage(decision.title, decision.message), decision.status);
        if (decision.message.startsWith("Sign-in failed")) signIns.spend(at);
        return showPage(decision.pending, decision.message, 401);
      },
      { parse: "none" },
    )
    .post(
      "/token",
      async ({ request }) => {
        enabled();
        return oauthJson(async () =>
          exchange(await readForm(request), {
            codes: oauth.codes,
            grants: oauth.grants,
            resource,
            basicAuth: /^basic\s/i.test(request.headers.get("authorization") ?? ""),
          }),
        );
      },
      { parse: "none" },
    )
    .post(
      "/revoke",
      async ({ request }) => {
        enabled();
        return oauthJson(async () => {
          const form = await readForm(request);
          const token = form.get("token");
          if (!token) throw invalidRequest("token is missing");
          const clientId = form.get("client_id");
          if (!clientId) throw invalidRequest("client_id is missing");
          // RFC 7009 §2.2: an unknown or foreign token is answered 200 like a revoked one.
          await oauth.grants.revokeByToken(token, clientId);
          return {};
        });
      },
      { parse: "none" },
    );
}
