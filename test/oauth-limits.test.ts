import { afterAll, describe, expect, test } from "bun:test";
import { testServer } from "./support/services.ts";

// The unauthenticated OAuth endpoints are rate limited per client address, as failed
// authentications are: registration (anyone may register) and failed consent sign-ins.

const server = testServer({ publicUrl: "https://q.example.com", rateLimit: 100 });
afterAll(() => server.close());
const send = (path: string, init: RequestInit) =>
  server.handle(new Request(`http://127.0.0.1:8080${path}`, init), {
    server: { requestIP: () => ({ address: "192.0.2.7" }) },
  });

describe("OAuth rate limits", () => {
  test("registrations: a burst of 20 per address, then 429 with Retry-After", async () => {
    const register = () =>
      send("/register", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ redirect_uris: ["https://a.example/cb"] }),
      });
    for (let i = 0; i < 20; i++) expect((await register()).status).toBe(201);
    const limited = await register();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBeTruthy();
    expect(((await limited.json()) as any).error.code).toBe("rate_limited");
  });

  test("failed consent sign-ins: 10 per address, then 429", async () => {
    const reg = (await (
      await server.handle(
        new Request("http://127.0.0.1:8080/register", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ redirect_uris: ["https://a.example/cb"] }),
        }),
      )
    ).json()) as { client_id: string };
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const query = new URLSearchParams({
        client_id: reg.client_id,
        redirect_uri: "https://a.example/cb",
        response_type: "code",
        code_challenge: "x".repeat(43),
        code_challenge_method: "S256",
      });
      const page = await send(`/authorize?${query}`, {});
      const html = await page.text();
      const field = (n: string) => new RegExp(`name="${n}" value="([^"]*)"`).exec(html)![1]!;
      const res = await send("/authorize", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          cookie: page.headers.get("set-cookie")!.split(";")[0]!,
        },
        body: new URLSearchParams({
          request_id: field("request_id"),
          csrf: field("csrf"),
          decision: "approve",
          credential: "wrong wrong wrong",
        }),
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});
