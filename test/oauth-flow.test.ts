import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as oauth from "oauth4webapi";
import { runCli } from "./support/cli.ts";
import {
  consentOverHttp,
  type OAuthServer,
  startCallbackServer,
  startOAuthServer,
} from "./support/oauth.ts";
import { rawDatabase, STATIC_TOKEN } from "./support/services.ts";

// The OAuth flow as a real client library (oauth4webapi, written by nobody here) walks it:
// 401 → protected-resource metadata → authorization-server metadata → registration →
// authorize → consent → token → MCP call → refresh → revoke. The consent step is posted
// over HTTP here; test/oauth-browser.test.ts clicks it in Chromium.

const insecure = { [oauth.allowInsecureRequests]: true }; // the test server is http://127.0.0.1
let server: OAuthServer;
let callback: { url: string; stop(): void };
let as: oauth.AuthorizationServer;

const discover = async (issuer: URL) =>
  await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { ...insecure, algorithm: "oauth2" }),
  );

beforeAll(async () => {
  server = startOAuthServer();
  callback = startCallbackServer();
  as = await discover(new URL(server.url));
});
afterAll(() => {
  server.stop();
  callback.stop();
});

const resource = () => `${server.url}/mcp`;

async function mcpCall(token: string, id = 1) {
  const res = await fetch(`${server.url}/mcp`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name: "list_files", arguments: {} },
    }),
  });
  return {
    status: res.status,
    challenge: res.headers.get("www-authenticate"),
    body: await res.text(),
  };
}

async function register(redirectUri = callback.url): Promise<oauth.Client> {
  const res = await oauth.dynamicClientRegistrationRequest(
    as,
    {
      redirect_uris: [redirectUri],
      client_name: "Flow Test Client",
      token_endpoint_auth_method: "none",
    },
    insecure,
  );
  return await oauth.processDynamicClientRegistrationResponse(res);
}

async function authorizationUrl(client: oauth.Client, extra: Record<string, string> = {}) {
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: client.client_id,
    redirect_uri: callback.url,
    response_type: "code",
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
    scope: "read write",
    resource: resource(),
    ...extra,
  }).toString();
  return { url, verifier, state };
}

/** Consent over HTTP as the admin, then the validated redirect back, as a client reads it. */
async function approve(client: oauth.Client) {
  const { url, verifier, state } = await authorizationUrl(client);
  const { location } = await consentOverHttp(url, { credential: server.tokens.admin });
  return { params: oauth.validateAuthResponse(as, client, new URL(location!), state), verifier };
}

/** The code grant request a client sends to /token (status and body unread). */
const redeem = (
  client: oauth.Client,
  params: URLSearchParams,
  verifier: string,
  options: oauth.TokenEndpointRequestOptions = insecure,
) =>
  oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    callback.url,
    verifier,
    options,
  );

/** Through consent to tokens, the way a client does it. */
async function connect(client: oauth.Client) {
  const { params, verifier } = await approve(client);
  const res = await redeem(client, params, verifier, {
    ...insecure,
    additionalParameters: { resource: resource() },
  });
  return {
    tokens: await oauth.processAuthorizationCodeResponse(as, client, res),
    params,
    verifier,
  };
}

describe("discovery, as a client meets it", () => {
  test("401 from /mcp → resource metadata → authorization server metadata", async () => {
    const first = await mcpCall("not-a-token");
    expect(first.status).toBe(401);
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(first.challenge!)![1]!;
    expect(metadataUrl).toBe(`${server.url}/.well-known/oauth-protected-resource/mcp`);

    const rs = await oauth.processResourceDiscoveryResponse(
      new URL(resource()),
      await oauth.resourceDiscoveryRequest(new URL(resource()), insecure),
    );
    expect(rs.authorization_servers).toEqual([server.url]);

    const issuer = new URL(rs.authorization_servers![0]!);
    const found = await discover(issuer);
    expect(found).toEqual(as);
    expect(found.code_challenge_methods_supported).toEqual(["S256"]);
    expect(found.client_id_metadata_document_supported).toBe(true);
    expect(found.registration_endpoint).toBe(`${server.url}/register`);
    expect(found.authorization_response_iss_parameter_supported).toBe(true);
  });
});

describe("the whole flow with dynamic registration", () => {
  test("register → authorize → consent → token → tools/call → refresh → revoke", async () => {
    const client = await register();
    expect(client.client_id).toStartWith("qvc_");
    const { tokens, params } = await connect(client);
    expect(params.get("iss")).toBe(server.url);
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.scope).toBe("write");

    const called = await mcpCall(tokens.access_token);
    expect(called.status).toBe(200);
    expect(JSON.parse(called.body).result.isError).toBeFalsy();

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, {
        ...insecure,
        additionalParameters: { resource: resource() },
      }),
    );
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect((await mcpCall(refreshed.access_token)).status).toBe(200);

    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, oauth.None(), refreshed.refresh_token!, insecure),
    );
    const after = await mcpCall(refreshed.access_token);
    expect(after.status).toBe(401);
    expect(after.challenge).toContain('error_description="the bearer token has been revoked"');
  });

  test("quiver token list shows the grant (client, scope, last use); revoking it stops the token", async () => {
    const client = await register();
    const { tokens } = await connect(client);
    expect((await mcpCall(tokens.access_token)).status).toBe(200);
    const grant = server.services.oauth.grants
      .list()
      .find((g) => g.client_id === client.client_id)!;
    expect(grant).toMatchObject({
      client_name: "Flow Test Client",
      scope: "write",
      revoked: false,
    });
    expect(grant.last_used_at).toBeString();
    // The tokens table lists only tokens people made: the access token is the grant's.
    expect(
      server.services.tokens
        .list()
        .map((t) => t.name)
        .sort(),
    ).toEqual(["boss", "reader", "writer"]);

    const data = ["--data", server.config.dataDir];
    const listed = runCli(["token", "list", ...data]);
    expect(listed.code).toBe(0);
    const row = listed.out.split("\n").find((l) => l.startsWith(grant.id))!;
    expect(row).toContain(`Flow Test Client (${client.client_id})`);
    expect(row).toContain("write");
    expect(row).toContain(grant.last_used_at!);
    expect(row).toEndWith("active");
    const json = JSON.parse(runCli(["token", "list", "--json", ...data]).out);
    expect(json.find((e: { id: string }) => e.id === grant.id)).toMatchObject({
      kind: "oauth_grant",
      scope: "write",
    });

    const revoked = runCli(["token", "revoke", grant.id, ...data]);
    expect(revoked.out).toBe(`revoked OAuth grant ${grant.id} (Flow Test Client)\n`);
    const refused = await mcpCall(tokens.access_token);
    expect(refused.status).toBe(401);
    expect(refused.challenge).toContain("revoked");
    const refresh = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      tokens.refresh_token!,
      insecure,
    );
    expect(((await refresh.json()) as any).error).toBe("invalid_grant");
    expect(runCli(["token", "list", ...data]).out).toContain("revoked by the operator");
  });
});

describe("refused", () => {
  test("a redirect URI the client did not register: an error page, no redirect", async () => {
    const client = await register();
    const { url } = await authorizationUrl(client, { redirect_uri: "https://evil.example/cb" });
    const res = await fetch(url, { redirect: "manual" });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain("is not one of the client&#39;s registered redirect URIs");
  });

  test("missing or plain PKCE: sent back to the client as invalid_request", async () => {
    const client = await register();
    for (const pkce of ["missing", "plain"]) {
      const { url, state } = await authorizationUrl(client);
      if (pkce === "missing") {
        url.searchParams.delete("code_challenge");
        url.searchParams.delete("code_challenge_method");
      } else url.searchParams.set("code_challenge_method", "plain");
      const res = await fetch(url, { redirect: "manual" });
      expect(res.status).toBe(303);
      const back = new URL(res.headers.get("location")!);
      expect(back.origin + back.pathname).toBe(callback.url);
      expect(back.searchParams.get("error")).toBe("invalid_request");
      expect(back.searchParams.get("state")).toBe(state);
      expect(back.searchParams.get("iss")).toBe(server.url);
      expect(() => oauth.validateAuthResponse(as, client, back, state)).toThrow();
    }
  });

  test("a reused code: invalid_grant, and the tokens of its first use stop working", async () => {
    const client = await register();
    const { tokens, params, verifier } = await connect(client);
    const again = await redeem(client, params, verifier);
    expect(again.status).toBe(400);
    expect(((await again.json()) as any).error).toBe("invalid_grant");
    expect((await mcpCall(tokens.access_token)).status).toBe(401);
  });

  test("a reused refresh token: invalid_grant, and the whole grant is revoked", async () => {
    const client = await register();
    const { tokens } = await connect(client);
    const refresh = () =>
      oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token!, insecure);
    const first = await oauth.processRefreshTokenResponse(as, client, await refresh());
    const second = await refresh();
    expect(second.status).toBe(400);
    const body: any = await second.json();
    expect(body.error).toBe("invalid_grant");
    expect(body.error_description).toContain("already used");
    expect((await mcpCall(first.access_token)).status).toBe(401);
    const retry = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      first.refresh_token!,
      insecure,
    );
    expect(((await retry.json()) as any).error).toBe("invalid_grant");
  });

  test("a wrong code_verifier: invalid_grant, and the code is spent", async () => {
    const client = await register();
    const { params, verifier } = await approve(client);
    const wrong = await redeem(client, params, oauth.generateRandomCodeVerifier());
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
    const right = await redeem(client, params, verifier);
    expect(await right.json()).toMatchObject({ error: "invalid_grant" });
  });

  test("an expired access token: 401 saying it expired", async () => {
    const client = await register();
    const { tokens } = await connect(client);
    rawDatabase(server).run("UPDATE tokens SET expires_at = 1 WHERE grant_id IS NOT NULL");
    const res = await mcpCall(tokens.access_token);
    expect(res.status).toBe(401);
    expect(res.challenge).toContain('error="invalid_token"');
    expect(res.challenge).toContain("has expired");
    expect(res.challenge).toContain(
      `resource_metadata="${server.url}/.well-known/oauth-protected-resource/mcp"`,
    );
  });

  test("an expired code: invalid_grant", async () => {
    const client = await register();
    const { params, verifier } = await approve(client);
    rawDatabase(server).run("UPDATE oauth_codes SET expires_at = 1");
    const res = await redeem(client, params, verifier);
    expect(await res.json()).toMatchObject({
      error: "invalid_grant",
      error_description: expect.stringContaining("expired"),
    });
  });

  test("another resource: refused at /authorize and /token; a token bound elsewhere is refused at /mcp", async () => {
    const client = await register();
    const { url } = await authorizationUrl(client, { resource: "https://elsewhere.example/mcp" });
    const res = await fetch(url, { redirect: "manual" });
    expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("invalid_target");

    const { tokens } = await connect(client);
    const viaToken = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.None(),
      tokens.refresh_token!,
      {
        ...insecure,
        additionalParameters: { resource: "https://elsewhere.example/mcp" },
      },
    );
    expect(await viaToken.json()).toMatchObject({ error: "invalid_target" });

    expect((await mcpCall(tokens.access_token)).status).toBe(200);
    rawDatabase(server).run(
      "UPDATE tokens SET resource = 'https://elsewhere.example/mcp' WHERE grant_id IS NOT NULL",
    );
    const elsewhere = await mcpCall(tokens.access_token);
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.challenge).toContain("issued for https://elsewhere.example/mcp");
  });

  test("an OAuth access token is for /mcp only, not the REST API", async () => {
    const client = await register();
    const { tokens } = await connect(client);
    const rest = await fetch(`${server.url}/tools`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(rest.status).toBe(401);
  });

  test("a consent post without its CSRF token: 403, and nothing is issued", async () => {
    const client = await register();
    const { url } = await authorizationUrl(client);
    const { response } = await consentOverHttp(url, {
      credential: server.tokens.admin,
      csrf: null,
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain("CSRF");
  });

  test("a wrong sign-in: the page again, 401, nothing issued; deny sends access_denied", async () => {
    const client = await register();
    const { url } = await authorizationUrl(client);
    const wrong = await consentOverHttp(url, { credential: "not-the-password-or-a-token" });
    expect(wrong.response.status).toBe(401);
    expect(await wrong.response.text()).toContain("Sign-in failed");
    const denied = await consentOverHttp(url, { decision: "deny" });
    expect(new URL(denied.location!).searchParams.get("error")).toBe("access_denied");
  });

  test("a console session counts as sign-in only for an admin", async () => {
    const client = await register();
    const sessionOf = async (token: string) => {
      const res = await fetch(`${server.url}/console/session`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(201);
      return res.headers.get("set-cookie")!.split(";")[0]!;
    };
    const asReader = await consentOverHttp((await authorizationUrl(client)).url, {
      cookie: await sessionOf(server.tokens.read),
    });
    expect(asReader.response.status).toBe(401);
    const asAdmin = await consentOverHttp((await authorizationUrl(client)).url, {
      cookie: await sessionOf(server.tokens.admin),
    });
    expect(asAdmin.response.status).toBe(303);
    expect(new URL(asAdmin.location!).searchParams.get("code")).toStartWith("qc_");
  });

  test("static tokens keep working on /mcp with OAuth on", async () => {
    expect((await mcpCall(STATIC_TOKEN)).status).toBe(200);
    expect((await mcpCall(server.tokens.read)).status).toBe(200);
  });
});
