import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { registerClient } from "../src/oauth/registration.ts";
import { MAX_CLIENTS } from "../src/store/oauth-clients.ts";
import { CODE_TTL_MS } from "../src/store/oauth-codes.ts";
import { MAX_GRANTS } from "../src/store/oauth-grants.ts";
import { rawDatabase, type TestServer, testServer } from "./support/services.ts";

// The OAuth store on its own: secrets at rest, and the bounds that keep open endpoints
// (registration is unauthenticated) from growing the database without end.

// A fresh store for every test: each counts and reads rows the others would add to.
let server: TestServer;
beforeEach(() => {
  server = testServer({ publicUrl: "https://q.example.com" });
});
afterEach(() => server.close());
const db = () => rawDatabase(server);
const oauth = () => server.services.oauth;

const codeFor = (clientId: string, now = Date.now()) =>
  oauth().codes.issue(
    {
      clientId,
      clientName: "c",
      redirectUri: "https://a.example/cb",
      codeChallenge: "x".repeat(43),
      scope: "read",
      resource: "https://q.example.com/mcp",
    },
    now,
  );

describe("the OAuth store", () => {
  test("codes, refresh and access tokens are stored as digests only; a code lives 60 s", () => {
    const now = Date.now();
    const code = codeFor("client-a", now);
    const issued = oauth().codes.redeem(code, () => undefined, now);
    if ("refused" in issued) throw new Error(issued.refused);
    const dump = JSON.stringify([
      db().query("SELECT * FROM oauth_codes").all(),
      db().query("SELECT * FROM oauth_refresh_tokens").all(),
      db().query("SELECT * FROM tokens").all(),
    ]);
    for (const secret of [code, issued.access_token, issued.refresh_token])
      expect(dump).not.toContain(secret);
    const row = db().query("SELECT expires_at FROM oauth_codes").get() as { expires_at: number };
    expect(row.expires_at - now).toBe(CODE_TTL_MS);
    expect(CODE_TTL_MS).toBeLessThanOrEqual(60_000);
    expect(
      oauth().codes.redeem(codeFor("client-a", now - CODE_TTL_MS - 1), () => undefined),
    ).toEqual({
      refused: "expired",
    });
  });

  test(`at most ${MAX_GRANTS} grants: a new one pushes out the least recently used`, () => {
    const insert = db().prepare(
      "INSERT INTO oauth_grants (id, client_id, client_name, scope, resource, created_at) VALUES (?, 'old', 'old', 'read', 'r', ?)",
    );
    db().transaction(() => {
      for (let i = 0; i < MAX_GRANTS; i++) insert.run(`grt_old${i}`, i);
    })();
    const issued = oauth().codes.redeem(codeFor("client-b"), () => undefined);
    expect("refused" in issued).toBe(false);
    const ids = oauth()
      .grants.list()
      .map((g) => g.id);
    expect(ids.length).toBe(MAX_GRANTS);
    expect(ids).not.toContain("grt_old0");
    expect(ids).toContain(`grt_old${MAX_GRANTS - 1}`);
    expect(
      oauth()
        .grants.list()
        .some((g) => g.client_id === "client-b"),
    ).toBe(true);
  });

  test(`at most ${MAX_CLIENTS} clients: registration pushes out the oldest without a live grant`, async () => {
    const kept = (
      await registerClient({ redirect_uris: ["https://a.example/cb"] }, oauth().clients, 0)
    ).client_id;
    db().run(
      "INSERT INTO oauth_grants (id, client_id, client_name, scope, resource, created_at) VALUES ('grt_keep', ?, 'k', 'read', 'r', 0)",
      [kept],
    );
    for (let i = 1; i <= MAX_CLIENTS + 5; i++)
      await registerClient({ redirect_uris: ["https://a.example/cb"] }, oauth().clients, i);
    const { n } = db().query("SELECT count(*) AS n FROM oauth_clients").get() as { n: number };
    expect(n).toBeLessThanOrEqual(MAX_CLIENTS);
    expect(oauth().clients.get(kept)).toBeDefined();
  });
});
