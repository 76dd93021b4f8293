import { afterAll, describe, expect, test } from "bun:test";
import { RateLimiter } from "../src/server/rate-limit.ts";
import { defineTool } from "../src/tools/define.ts";
import { ToolRegistry } from "../src/tools/registry.ts";
import { t } from "../src/tools/schema.ts";
import { request, testServer, toolCaller } from "./support/services.ts";

describe("per-token rate limit", () => {
  const server = testServer({ rateLimit: 2 }); // 2/s, bursts of 20
  afterAll(() => server.close());

  test("a token past its burst gets 429 with Retry-After; other tokens are unaffected", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++)
      statuses.push((await request(server, "/tools", { token: server.tokens.read })).status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(20).every((s) => s === 429)).toBe(true);
    const limited = await request(server, "/tools", { token: server.tokens.read });
    expect(limited.json.error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await request(server, "/tools", { token: server.tokens.write })).status).toBe(200);
  });

  test("unauthenticated requests do not spend a token's budget", async () => {
    for (let i = 0; i < 15; i++)
      expect((await request(server, "/tools", { token: "wrong" })).status).toBe(401);
    // The admin token still has its whole burst of 20.
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++)
      statuses.push((await request(server, "/tools", { token: server.tokens.admin })).status);
    expect(statuses.slice(0, 20).every((s) => s === 200)).toBe(true);
    expect(statuses[20]).toBe(429);
  });
});

describe("failed authentication, per client address", () => {
  const server = testServer({ rateLimit: 2 }); // failures: 2/s, bursts of 20, per address
  afterAll(() => server.close());
  // The handler learns the client's address from the Bun server it is given.
  const from = (address: string, token: string) =>
    server.handle(
      new Request("http://localhost/tools", { headers: { authorization: `Bearer ${token}` } }),
      { server: { requestIP: () => ({ address }) } },
    );

  test("an address past its burst of bad tokens gets 429 with Retry-After, even with a good token", async () => {
    for (let i = 0; i < 20; i++) expect((await from("10.0.0.1", `qv_guess${i}`)).status).toBe(401);
    const limited = await from("10.0.0.1", "qv_guess-more");
    expect(limited.status).toBe(429);
    expect(((await limited.json()) as any).error.code).toBe("rate_limited");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // A guess that happens to be right does not get through either.
    expect((await from("10.0.0.1", server.tokens.read)).status).toBe(429);
    // Other addresses are unaffected, bad and good tokens alike.
    expect((await from("10.0.0.2", "qv_guess")).status).toBe(401);
    expect((await from("10.0.0.2", server.tokens.read)).status).toBe(200);
  });
});

describe("the failed-authentication limit's cost", () => {
  const server = testServer({ rateLimit: 2 });
  afterAll(() => server.close());

  test("good tokens never make the server look up the client's address; a bad one does", async () => {
    let lookups = 0;
    const from = (token: string) =>
      server.handle(
        new Request("http://localhost/tools", { headers: { authorization: `Bearer ${token}` } }),
        {
          server: {
            requestIP: () => {
              lookups++;
              return { address: "10.0.0.9" };
            },
          },
        },
      );
    for (let i = 0; i < 5; i++) expect((await from(server.tokens.read)).status).toBe(200);
    expect(lookups).toBe(0);
    expect((await from("qv_wrong")).status).toBe(401);
    expect(lookups).toBe(1); // once for that request, though both the check and the spend need it
    expect((await from(server.tokens.read)).status).toBe(200);
    expect(lookups).toBe(2); // while a failure is remembered, every request is checked
  });

  test("an address's failures are forgotten once its budget has refilled", () => {
    const failures = new RateLimiter(2, "failed authentications", 3);
    const keyOf = () => "10.0.0.1";
    failures.spend("10.0.0.1", 0);
    failures.spend("10.0.0.1", 0);
    failures.spend("10.0.0.1", 0);
    expect(() => failures.checkLazily(keyOf, 100)).toThrow("too many failed authentications");
    failures.checkLazily(keyOf, 1000); // 2 back: allowed, still remembered
    expect(failures.size).toBe(1);
    failures.checkLazily(keyOf, 1600); // full again: the same as never having failed
    expect(failures.size).toBe(0);
    let asked = 0;
    failures.checkLazily(() => {
      asked++;
      return "10.0.0.1";
    }, 1700);
    expect(asked).toBe(0);
  });
});

describe("tool timeout", () => {
  const server = testServer({ toolTimeoutMs: 50 });
  afterAll(() => server.close());

  test("a tool that runs past the timeout answers 504 tool_timeout", async () => {
    // It ignores its signal and finishes only when the test lets it: after the answer.
    const finish = Promise.withResolvers<void>();
    const sleepy = defineTool({
      name: "sleepy",
      description: "Sleeps. Returns nothing useful.",
      input: t.Object({}),
      scope: "read",
      run: async () => {
        await finish.promise;
        return { woke: true };
      },
    });
    const call = toolCaller({ ...server.services, tools: new ToolRegistry([sleepy]) });
    const err = await call("sleepy", {}).catch((e: unknown) => e);
    finish.resolve();
    expect(err.status).toBe(504);
    expect(err.code).toBe("tool_timeout");
  });
});
