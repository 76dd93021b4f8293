import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as oauth from "oauth4webapi";
import { isPrivateAddress } from "../src/oauth/addresses.ts";
import {
  consentOverHttp,
  type OAuthServer,
  startCallbackServer,
  startOAuthServer,
} from "./support/oauth.ts";

// Client ID Metadata Documents: the client_id is a URL, quiver fetches the client's
// metadata from it. The document is served by this test on loopback, which only the
// operator flag (--oauth-allow-private-client-urls) permits; without it the same URL, and
// every private address, is refused before a connection is made.

const insecure = { [oauth.allowInsecureRequests]: true };
let callback: { url: string; stop(): void };
let docs: ReturnType<typeof Bun.serve>;
const served: string[] = [];
/** What each path of the document server answers. */
const routes = new Map<string, () => Response>();

beforeAll(() => {
  callback = startCallbackServer();
  docs = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const path = new URL(request.url).pathname;
      served.push(path);
      return routes.get(path)?.() ?? new Response("no", { status: 404 });
    },
  });
});
afterAll(() => {
  callback.stop();
  docs.stop(true);
});

const docUrl = (path: string) => `http://127.0.0.1:${docs.port}${path}`;
function publish(
  path: string,
  doc: (url: string) => unknown,
  headers: Record<string, string> = {},
) {
  routes.set(path, () => Response.json(doc(docUrl(path)), { headers }));
  return docUrl(path);
}

async function startAuthorization(
  server: OAuthServer,
  clientId: string,
  redirectUri = callback.url,
) {
  const verifier = oauth.generateRandomCodeVerifier();
  const url = new URL(`${server.url}/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state: "s1",
    resource: `${server.url}/mcp`,
  }).toString();
  return { url, verifier };
}

describe("with the operator flag (loopback documents allowed)", () => {
  let server: OAuthServer;
  beforeAll(() => {
    server = startOAuthServer({ oauthAllowPrivateClientUrls: true });
  });
  afterAll(() => server.stop());

  test("the whole flow with a URL client_id, no registration; the document is cached", async () => {
    const clientId = publish("/cimd/client.json", (url) => ({
      client_id: url,
      client_name: "CIMD Test Client",
      redirect_uris: [callback.url],
      token_endpoint_auth_method: "none",
    }));
    const as = await oauth.processDiscoveryResponse(
      new URL(server.url),
      await oauth.discoveryRequest(new URL(server.url), { ...insecure, algorithm: "oauth2" }),
    );
    const client: oauth.Client = { client_id: clientId, token_endpoint_auth_method: "none" };
    const { url, verifier } = await startAuthorization(server, clientId);
    const { html, location } = await consentOverHttp(url, { credential: server.tokens.admin });
    expect(html).toContain("CIMD Test Client");
    expect(html).toContain(`127.0.0.1:${callback.url.split(":")[2]!.split("/")[0]}`);
    const params = oauth.validateAuthResponse(as, client, new URL(location!), "s1");
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.None(),
        params,
        callback.url,
        verifier,
        {
          ...insecure,
          additionalParameters: { resource: `${server.url}/mcp` },
        },
      ),
    );
    expect(tokens.scope).toBe("read");
    const mcp = await fetch(`${server.url}/mcp`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "list_files", arguments: {} },
      }),
    });
    expect(mcp.status).toBe(200);
    expect(server.services.oauth.grants.list().at(-1)).toMatchObject({
      client_id: clientId,
      client_name: "CIMD Test Client",
    });

    const fetches = served.filter((p) => p === "/cimd/client.json").length;
    await startAuthorization(server, clientId).then(({ url }) => fetch(url));
    expect(served.filter((p) => p === "/cimd/client.json").length).toBe(fetches);
  });

  test.each([
    [
      "a different client_id inside",
      "/cimd/other-id.json",
      (url: string) => ({ client_id: `${url}x`, redirect_uris: [] }),
      "must be exactly the URL",
    ],
    [
      "a client secret",
      "/cimd/secret.json",
      (url: string) => ({
        client_id: url,
        redirect_uris: ["https://a.example/cb"],
        client_secret: "s",
      }),
      "client_secret",
    ],
    ["no redirect URIs", "/cimd/none.json", (url: string) => ({ client_id: url }), "redirect_uris"],
  ])("a document with %s is refused", async (_what, path, doc, says) => {
    const clientId = publish(path, doc);
    const res = await fetch((await startAuthorization(server, clientId)).url, {
      redirect: "manual",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain(says);
  });

  test("a redirect URI the document does not list is refused", async () => {
    const clientId = publish("/cimd/listed.json", (url) => ({
      client_id: url,
      redirect_uris: ["https://app.example/cb"],
    }));
    const res = await fetch((await startAuthorization(server, clientId)).url, {
      redirect: "manual",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("not one of the client&#39;s registered redirect URIs");
  });

  test("too large, redirected or not JSON: refused, redirects not followed", async () => {
    routes.set("/cimd/big.json", () =>
      Response.json({
        client_id: docUrl("/cimd/big.json"),
        pad: "x".repeat(20_000),
        redirect_uris: [callback.url],
      }),
    );
    routes.set("/cimd/moved.json", () => Response.redirect(docUrl("/cimd/client.json"), 302));
    routes.set(
      "/cimd/text.json",
      () => new Response("{}", { headers: { "content-type": "text/plain" } }),
    );
    for (const [path, says] of [
      ["/cimd/big.json", "larger than 16384 bytes"],
      ["/cimd/moved.json", "answered HTTP 302"],
      ["/cimd/text.json", "application/json"],
    ] as const) {
      const res = await fetch((await startAuthorization(server, docUrl(path))).url, {
        redirect: "manual",
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(says);
    }
  });
});

describe("without the flag", () => {
  let server: OAuthServer;
  beforeAll(() => {
    server = startOAuthServer();
  });
  afterAll(() => server.stop());

  test.each([
    ["https://127.0.0.1:1/client.json", "127.0.0.1, a private, loopback or link-local address"],
    ["https://10.1.2.3/client.json", "10.1.2.3, a private"],
    ["https://169.254.169.254/latest/client.json", "169.254.169.254, a private"],
    ["https://[::1]/client.json", "::1, a private"],
    ["https://[::ffff:192.168.0.1]/client.json", "a private"],
    ["https://localhost/client.json", "a private, loopback or link-local address"],
  ])("a client_id URL pointing at a private address is refused: %s", async (clientId, says) => {
    const before = served.length;
    const res = await fetch((await startAuthorization(server, clientId)).url, {
      redirect: "manual",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    expect(await res.text()).toContain(says);
    expect(served.length).toBe(before);
  });

  test("http is refused, and so are fragments, user info and dot segments", async () => {
    for (const [clientId, says] of [
      [docUrl("/cimd/client.json"), "must be https"],
      ["https://app.example/client.json#x", "fragment"],
      ["https://user@app.example/client.json", "user info"],
      ["https://app.example/a/../client.json", ". or .. path segments"],
    ]) {
      const res = await fetch((await startAuthorization(server, clientId!)).url, {
        redirect: "manual",
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain(says!);
    }
  });
});

describe("which addresses count as private", () => {
  test.each([
    ["8.8.8.8", false],
    ["11.1.2.3", false],
    ["172.32.0.1", false],
    ["2606:4700::1111", false],
    ["::ffff:8.8.8.8", false],
    ["10.0.0.1", true],
    ["100.64.0.1", true],
    ["127.0.0.1", true],
    ["169.254.169.254", true],
    ["172.16.0.1", true],
    ["192.168.1.1", true],
    ["0.0.0.0", true],
    ["224.0.0.1", true],
    ["::1", true],
    ["::", true],
    ["fd00::1", true],
    ["fe80::1", true],
    ["::ffff:10.0.0.1", true],
    ["64:ff9b::a00:1", true],
    ["not-an-address", true],
  ])("%s → %p", (address, blocked) => {
    expect(isPrivateAddress(address)).toBe(blocked);
  });
});
