import { afterAll, describe, expect, test } from "bun:test";
import { callTool } from "../src/tools/call.ts";
import { defineTool } from "../src/tools/define.ts";
import { t } from "../src/tools/schema.ts";
import { request, testServer, toolContext } from "./support/services.ts";

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
    for (let i = 0; i < 30; i++)
      expect((await request(server, "/tools", { token: "wrong" })).status).toBe(401);
    expect((await request(server, "/tools", { token: server.tokens.admin })).status).toBe(200);
  });
});

describe("tool timeout", () => {
  const server = testServer({ toolTimeoutMs: 50 });
  afterAll(() => server.close());

  test("a tool that runs past the timeout answers 504 tool_timeout", async () => {
    const sleepy = defineTool({
      name: "sleepy",
      description: "Sleeps. Returns nothing useful.",
      input: t.Object({}),
      scope: "read",
      run: async () => {
        await Bun.sleep(500);
        return { woke: true };
      },
    });
    const err = (await callTool(sleepy, {}, toolContext(server.services)).catch((e) => e)) as any;
    expect(err.status).toBe(504);
    expect(err.code).toBe("tool_timeout");
  });
});
