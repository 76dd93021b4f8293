import { afterAll, describe, expect, test } from "bun:test";
import { loadConfig } from "../src/config.ts";
import { request, testServer } from "./support/services.ts";

// What the metadata says with OAuth on and off, and what registration accepts.

describe("without --public-url OAuth is off, and the metadata says so", () => {
  const server = testServer();
  afterAll(() => server.close());

  test("no authorization server is listed; the OAuth endpoints answer 404 oauth_disabled", async () => {
    const prm = await request(server, "/.well-known/oauth-protected-resource/mcp", { token: null });
    expect(prm.status).toBe(200);
    expect(prm.json.authorization_servers).toBeUndefined();
    for (const [path, method] of [
      ["/.well-known/oauth-authorization-server", "GET"],
      ["/register", "POST"],
      ["/authorize", "GET"],
      ["/token", "POST"],
      ["/revoke", "POST"],
    ] as const) {
      const res = await request(server, path, { token: null, method });
      expect(res.status).toBe(404);
      expect(res.json.error.code).toBe("oauth_disabled");
      expect(res.json.error.message).toContain("--public-url");
    }
  });
});

describe("with --public-url", () => {
  const server = testServer({ publicUrl: "https://quiver.example.com" });
  afterAll(() => server.close());
  const send = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
    server.handle(
      new Request(`http://127.0.0.1:8080${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { host: "quiver.example.com", "content-type": "application/json", ...headers },
        body:
          body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      }),
    );

  test("the resource and the issuer are the public URL, not the address quiver listens on", async () => {
    const prm = await (await send("/.well-known/oauth-protected-resource/mcp")).json();
    expect(prm).toMatchObject({
      resource: "https://quiver.example.com/mcp",
      authorization_servers: ["https://quiver.example.com"],
    });
    const as = await (await send("/.well-known/oauth-authorization-server")).json();
    expect(as).toMatchObject({
      issuer: "https://quiver.example.com",
      authorization_endpoint: "https://quiver.example.com/authorize",
      token_endpoint: "https://quiver.example.com/token",
      registration_endpoint: "https://quiver.example.com/register",
      revocation_endpoint: "https://quiver.example.com/revoke",
      code_challenge_methods_supported: ["S256"],
      client_id_metadata_document_supported: true,
      authorization_response_iss_parameter_supported: true,
      token_endpoint_auth_methods_supported: ["none"],
    });
  });

  test("/mcp through a proxy: the public Host is accepted, the challenge names the public metadata", async () => {
    const res = await send("/mcp", { jsonrpc: "2.0", id: 1, method: "tools/list" });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain(
      'resource_metadata="https://quiver.example.com/.well-known/oauth-protected-resource/mcp"',
    );
    const other = await send(
      "/mcp",
      { jsonrpc: "2.0", id: 1, method: "tools/list" },
      { host: "evil.example" },
    );
    expect(other.status).toBe(403);
  });

  test("registration: public clients only, in RFC 7591's shape", async () => {
    const res = await send("/register", {
      client_name: "Claude",
      redirect_uris: ["https://claude.ai/api/mcp/auth_callback"],
      token_endpoint_auth_method: "client_secret_post",
    });
    expect(res.status).toBe(201);
    const body: any = await res.json();
    expect(body).toMatchObject({
      client_name: "Claude",
      redirect_uris: ["https://claude.ai/api/mcp/auth_callback"],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
    });
    expect(body.client_secret).toBeUndefined();
  });

  test.each([
    [
      { redirect_uris: ["http://evil.example/cb"] },
      "invalid_redirect_uri",
      "http is allowed only to localhost",
    ],
    [{ redirect_uris: ["javascript:alert(1)"] }, "invalid_redirect_uri", "scheme must be"],
    [{ redirect_uris: ["https://a.example/cb#frag"] }, "invalid_redirect_uri", "fragment"],
    [{ redirect_uris: [] }, "invalid_redirect_uri", "1-10 URIs"],
    [
      { redirect_uris: ["https://a.example/cb"], grant_types: ["client_credentials"] },
      "invalid_client_metadata",
      "grant_types",
    ],
    ["[1,2", "invalid_client_metadata", "not valid JSON"],
  ])("refused: %j", async (body, error, says) => {
    const res = await send("/register", body);
    expect(res.status).toBe(400);
    const json: any = await res.json();
    expect(json.error).toBe(error);
    expect(json.error_description).toContain(says);
  });

  test("token endpoint errors are OAuth-shaped", async () => {
    const form = (body: string) =>
      send("/token", body, { "content-type": "application/x-www-form-urlencoded" });
    expect(await (await form("grant_type=password&client_id=x")).json()).toMatchObject({
      error: "unsupported_grant_type",
    });
    expect(
      await (
        await form(
          "grant_type=authorization_code&client_id=x&code=c&redirect_uri=https://a.example/cb",
        )
      ).json(),
    ).toMatchObject({
      error: "invalid_request",
      error_description: expect.stringContaining("code_verifier"),
    });
    const json = await send("/token", { grant_type: "refresh_token" });
    expect(json.status).toBe(400);
    expect(((await json.json()) as any).error).toBe("invalid_request");
  });
});

describe("--public-url is checked at start", () => {
  test.each([
    ["http://quiver.example.com", "must be https"],
    ["https://quiver.example.com/prefix", "without a path"],
    ["not a url", "must be a URL"],
  ])("%s", (value, says) => {
    expect(() => loadConfig({ "public-url": value })).toThrow(says);
  });

  test("https, or http to loopback; QUIVER_PUBLIC_URL works too", () => {
    expect(loadConfig({ "public-url": "https://q.example.com/" }).publicUrl).toBe(
      "https://q.example.com",
    );
    expect(loadConfig({}, { QUIVER_PUBLIC_URL: "http://127.0.0.1:8080" }).publicUrl).toBe(
      "http://127.0.0.1:8080",
    );
    expect(loadConfig({}).publicUrl).toBeUndefined();
  });
});
