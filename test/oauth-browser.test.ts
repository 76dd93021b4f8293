import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as oauth from "oauth4webapi";
import type { BrowserContext } from "playwright-core";
import { type LaunchedBrowser, launchBrowser, requireBrowser } from "./support/browser.ts";
import { type OAuthServer, startOAuthServer } from "./support/oauth.ts";

// The consent step as a person does it: headless Chromium follows a link from the client's
// site (a cross-site top-level navigation, as from claude.ai), reads the page, signs in,
// picks the scope and clicks Approve; the client (oauth4webapi) takes it from the
// redirect. Registration both ways: dynamic (RFC 7591) and a Client ID Metadata Document
// served by this test (allowed on loopback by the operator flag).

const insecure = { [oauth.allowInsecureRequests]: true };
const haveBrowser = requireBrowser();

describe.if(haveBrowser)("consent in a browser", () => {
  let server: OAuthServer;
  let browser: LaunchedBrowser;
  let as: oauth.AuthorizationServer;
  /** The client's own site, on another host name than quiver's (localhost vs 127.0.0.1): another site. */
  let site: ReturnType<typeof Bun.serve>;
  let siteUrl: string;
  const links = new Map<string, string>();

  beforeAll(async () => {
    server = startOAuthServer({ oauthAllowPrivateClientUrls: true });
    site = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(request) {
        const url = new URL(request.url);
        if (url.pathname === "/client.json")
          return Response.json({
            client_id: `http://127.0.0.1:${site.port}/client.json`,
            client_name: "Browser CIMD Client",
            redirect_uris: [`${siteUrl}/callback`],
          });
        if (url.pathname.startsWith("/start/"))
          return new Response(
            `<!doctype html><a id="go" href="${links.get(url.pathname)!.replaceAll("&", "&amp;")}">Connect</a>`,
            { headers: { "content-type": "text/html" } },
          );
        return new Response("<!doctype html><p>back at the client</p>", {
          headers: { "content-type": "text/html" },
        });
      },
    });
    siteUrl = `http://localhost:${site.port}`;
    as = await oauth.processDiscoveryResponse(
      new URL(server.url),
      await oauth.discoveryRequest(new URL(server.url), { ...insecure, algorithm: "oauth2" }),
    );
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    site?.stop(true);
    server?.stop();
  });

  async function mcpCall(token: string) {
    const res = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "write_file", arguments: { path: "from-oauth.txt", content: "hi" } },
      }),
    });
    return { status: res.status, body: (await res.json()) as any };
  }

  /** Everything from the authorization URL to a working token, the consent clicked in Chromium. */
  async function flow(
    client: oauth.Client,
    name: string,
    credential: string,
    prepare?: (context: BrowserContext) => Promise<void>,
  ) {
    const redirectUri = `${siteUrl}/callback`;
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const authorize = new URL(as.authorization_endpoint!);
    authorize.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: redirectUri,
      response_type: "code",
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      scope: "read write admin",
      resource: `${server.url}/mcp`,
    }).toString();
    const start = `/start/${name}`;
    links.set(start, authorize.href);

    const context = await browser.browser.newContext();
    await prepare?.(context);
    const page = await context.newPage();
    await page.goto(`${siteUrl}${start}`);
    const [consent] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(as.authorization_endpoint!)),
      page.click("#go"),
    ]);
    const csp = consent.headers()["content-security-policy"]!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'none'");
    expect(await page.locator("script").count()).toBe(0);
    expect(await page.locator("h1").textContent()).toBe(
      `Connect ${client.client_name ?? name} to quiver?`,
    );
    expect(await page.locator(".redirect-host").textContent()).toBe(`localhost:${site.port}`);
    expect(await page.locator(".scope-asked").textContent()).toBe("admin");

    if (credential) await page.fill('input[name="credential"]', credential);
    await page.selectOption('select[name="scope"]', "write");
    await Promise.all([
      page.waitForURL(`${redirectUri}?**`),
      page.click('button[value="approve"]'),
    ]);
    const back = new URL(page.url());
    await context.close();

    const params = oauth.validateAuthResponse(as, client, back, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        redirectUri,
        verifier,
        {
          ...insecure,
          additionalParameters: { resource: `${server.url}/mcp` },
        },
      ),
    );
    expect(tokens.scope).toBe("write");
    const called = await mcpCall(tokens.access_token);
    expect(called.status).toBe(200);
    expect(called.body.result.isError).toBeFalsy();

    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.None(),
        tokens.refresh_token!,
        insecure,
      ),
    );
    expect((await mcpCall(refreshed.access_token)).status).toBe(200);
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, client, oauth.None(), refreshed.access_token, insecure),
    );
    expect((await mcpCall(refreshed.access_token)).status).toBe(401);
    expect((await mcpCall(tokens.access_token)).status).toBe(401);
  }

  test("dynamic registration, signed in with an admin token", async () => {
    const client = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        {
          redirect_uris: [`${siteUrl}/callback`],
          client_name: "Browser DCR Client",
          token_endpoint_auth_method: "none",
        },
        insecure,
      ),
    );
    await flow(client, "dcr", server.tokens.admin);
  }, 60_000);

  test("a Client ID Metadata Document, signed in with the consent password", async () => {
    await server.services.oauth.password.set("correct horse battery staple");
    const client: oauth.Client = {
      client_id: `http://127.0.0.1:${site.port}/client.json`,
      client_name: "Browser CIMD Client",
      token_endpoint_auth_method: "none",
    };
    await flow(client, "cimd", "correct horse battery staple");
  }, 60_000);

  test("signed in to the web console as an admin in this browser: Approve with the field empty", async () => {
    const client = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(
        as,
        { redirect_uris: [`${siteUrl}/callback`], client_name: "Console Session Client" },
        insecure,
      ),
    );
    await flow(client, "console", "", async (context) => {
      // The console's sign-in (src/web/routes.ts): the session cookie lands in this browser.
      const signIn = await context.request.post(`${server.url}/console/session`, {
        headers: { authorization: `Bearer ${server.tokens.admin}` },
      });
      expect(signIn.status()).toBe(201);
    });
  }, 60_000);
});
