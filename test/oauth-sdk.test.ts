import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  consentOverHttp,
  type OAuthServer,
  startCallbackServer,
  startOAuthServer,
} from "./support/oauth.ts";

// The official MCP TypeScript SDK as the OAuth client: the auth code mcp-remote and many
// MCP clients run. It starts from nothing but the /mcp URL and finds the rest itself (the
// 401's resource_metadata, the authorization server's metadata), registers dynamically,
// sends `resource`, and calls a tool with the token it got. The consent is posted over HTTP
// (the browser test clicks it). Its Client ID Metadata Document path is not run here: the
// SDK takes only an https metadata URL, and the test serves documents on loopback http.

let server: OAuthServer;
let callback: { url: string; stop(): void };

beforeAll(() => {
  server = startOAuthServer();
  callback = startCallbackServer();
});
afterAll(() => {
  server.stop();
  callback.stop();
});

function memoryProvider(name: string) {
  const saved: Record<string, any> = {};
  const provider: OAuthClientProvider & { authorizationUrl?: URL; saved: typeof saved } = {
    saved,
    get redirectUrl() {
      return callback.url;
    },
    get clientMetadata() {
      return {
        client_name: name,
        redirect_uris: [callback.url],
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: "none",
      };
    },
    clientInformation: () => saved.client,
    saveClientInformation: (info) => {
      saved.client = info;
    },
    tokens: () => saved.tokens,
    saveTokens: (tokens) => {
      saved.tokens = tokens;
    },
    redirectToAuthorization: (url) => {
      provider.authorizationUrl = url;
    },
    saveCodeVerifier: (v) => {
      saved.verifier = v;
    },
    codeVerifier: () => saved.verifier,
  };
  return provider;
}

async function connectWithSdk(provider: ReturnType<typeof memoryProvider>) {
  const mcpUrl = new URL(`${server.url}/mcp`);
  const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
  await expect(new Client({ name: "sdk-test", version: "1" }).connect(first)).rejects.toThrow();
  const authorizationUrl = provider.authorizationUrl!;
  expect(authorizationUrl.searchParams.get("resource")).toBe(`${server.url}/mcp`);
  expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
  const { location } = await consentOverHttp(authorizationUrl, { credential: server.tokens.admin });
  const back = new URL(location!);
  expect(back.searchParams.get("iss")).toBe(server.url);
  await first.finishAuth(back.searchParams.get("code")!);

  const client = new Client({ name: "sdk-test", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
  const result = await client.callTool({ name: "list_files", arguments: {} });
  expect(result.isError).toBeFalsy();
  await client.close();
  return authorizationUrl;
}

describe("the MCP SDK's OAuth client", () => {
  test("dynamic registration: from the bare /mcp URL to a tool call", async () => {
    const provider = memoryProvider("SDK DCR Client");
    const url = await connectWithSdk(provider);
    expect(url.searchParams.get("client_id")).toStartWith("qvc_");
    expect(provider.saved.tokens.refresh_token).toStartWith("qr_");
  }, 30_000);
});
