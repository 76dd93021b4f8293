// The auth plugin resolves the caller with or without an await: without one when the
// stores answer synchronously (SQLite, every other test), with one for PostgreSQL's
// promises. Both must hand the route the same caller and refuse the same way.
import { describe, expect, test } from "bun:test";
import { Elysia } from "elysia";
import { AuthError } from "../src/errors.ts";
import { type Authenticate, authPlugin } from "../src/server/auth.ts";
import { errorResponse } from "../src/server/errors.ts";
import type { Caller } from "../src/store/tokens.ts";

const CALLER = { id: "t1", name: "alice", scope: "read" } as Caller;

function appWith(authenticate: Authenticate, synchronous: boolean) {
  return new Elysia()
    .onError(({ request, error, code }) => errorResponse(request, error, code))
    .use(authPlugin(authenticate, { synchronous }))
    .get("/who", ({ caller }) => ({ name: caller.name, scope: caller.scope }), { auth: "read" });
}

const refuse = () => {
  throw new AuthError(401, "invalid_token", "the bearer token is not valid", {
    error: "invalid_token",
  });
};

const get = (app: ReturnType<typeof appWith>) =>
  app.handle(new Request("http://localhost/who", { headers: { authorization: "Bearer x" } }));

describe("auth plugin", () => {
  for (const [label, synchronous, answer] of [
    ["synchronous stores", true, () => CALLER],
    ["asynchronous stores", false, async () => CALLER],
  ] as const) {
    test(`${label}: the route gets the caller`, async () => {
      const res = await get(appWith(answer, synchronous));
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ name: "alice", scope: "read" });
    });
    test(`${label}: a refusal is the route's answer`, async () => {
      const failing = synchronous ? refuse : async () => refuse();
      const res = await get(appWith(failing, synchronous));
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_token");
    });
  }

  test("a store said to be synchronous that answers with a promise fails loudly, not with no caller", async () => {
    const res = await get(appWith(async () => CALLER, true));
    expect(res.status).toBe(500);
  });
});
