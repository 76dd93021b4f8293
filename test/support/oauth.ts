import type { Server } from "bun";
import type { Config } from "../../src/config.ts";
import { type TestServer, testServer } from "./services.ts";

/**
 * A quiver with OAuth on, listening on a real loopback port (OAuth clients and browsers
 * need URLs), its --public-url being that address. The port is known only once bound, so
 * the listener is started first and handed the handler after.
 */
export interface OAuthServer extends TestServer {
  url: string;
  stop(): void;
}

export function startOAuthServer(overrides: Partial<Config> = {}): OAuthServer {
  let handle: TestServer["handle"] | undefined;
  const listener: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request, server) => handle!(request, { server }),
  });
  const url = `http://127.0.0.1:${listener.port}`;
  const server = testServer({ publicUrl: url, ...overrides });
  handle = server.handle;
  return {
    ...server,
    url,
    stop() {
      listener.stop(true);
      server.close();
    },
  };
}

/** A loopback page that stands for the client's redirect URI (it records nothing; the URL is the answer). */
export function startCallbackServer(): { url: string; stop(): void } {
  const listener = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () =>
      new Response("<!doctype html><title>callback</title>back at the client", {
        headers: { "content-type": "text/html" },
      }),
  });
  return { url: `http://127.0.0.1:${listener.port}/callback`, stop: () => listener.stop(true) };
}

/**
 * The consent step without a browser: GET the authorization URL, read the form's hidden
 * fields and the page's cookie, post the decision. Returns the consent POST's response
 * (a 303 to the client on a decision). The browser test does the same by clicking.
 */
export async function consentOverHttp(
  authorizationUrl: URL | string,
  fields: {
    credential?: string;
    decision?: "approve" | "deny";
    scope?: string;
    csrf?: string | null;
    /** More cookies the browser would send with the post (a console session). */
    cookie?: string;
  },
) {
  const page = await fetch(authorizationUrl, { redirect: "manual" });
  const html = await page.text();
  if (page.status !== 200)
    return { page, html, response: page, location: page.headers.get("location") };
  const hidden = (name: string) =>
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html)?.[1] ?? "";
  const consent = (page.headers.get("set-cookie") ?? "").split(";")[0]!;
  const cookie = fields.cookie ? `${consent}; ${fields.cookie}` : consent;
  const form = new URLSearchParams({
    request_id: hidden("request_id"),
    decision: fields.decision ?? "approve",
    credential: fields.credential ?? "",
    ...(fields.scope ? { scope: fields.scope } : {}),
  });
  if (fields.csrf !== null) form.set("csrf", fields.csrf ?? hidden("csrf"));
  const action = new URL("/authorize", authorizationUrl);
  const response = await fetch(action, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie },
    body: form,
  });
  return { page, html, response, location: response.headers.get("location") };
}
