import { afterAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { openSqliteServices } from "../src/services.ts";
import { DEFAULT_SESSION_LIMITS, type SessionLimits, SessionStore } from "../src/store/sessions.ts";
import { TokenStore } from "../src/store/tokens.ts";
import { signIn } from "./support/console.ts";
import { rawDatabase, request, STATIC_TOKEN, tempDir, testServer } from "./support/services.ts";

// The console's session: a token signs in once (Authorization header), the browser then
// carries an HttpOnly SameSite=Strict cookie, and every change needs the CSRF token.
const server = testServer();
afterAll(() => server.close());

const withCookie = (cookie: string, headers: Record<string, string> = {}) => ({
  token: null,
  headers: { cookie, ...headers },
});

describe("signing in", () => {
  test("a token opens a session: HttpOnly, SameSite=Strict cookie and a CSRF token", async () => {
    const res = await request(server, "/console/session", {
      method: "POST",
      token: server.tokens.write,
    });
    expect(res.status).toBe(201);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^quiver_session=[A-Za-z0-9_-]{43}; /);
    for (const attr of ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"])
      expect(setCookie.split("; ")).toContain(attr);
    expect(setCookie).not.toContain("Secure"); // plain http: a Secure cookie would never come back
    expect(res.json.caller).toEqual({ name: "writer", scope: "write" });
    expect(res.json.csrf).toMatch(/^[0-9a-f]{64}$/);
    // Neither the token nor the cookie's secret is stored: only digests.
    const rows = rawDatabase(server).query("SELECT * FROM sessions").all() as any[];
    const secret = setCookie.split(";")[0]!.split("=")[1]!;
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(JSON.stringify(rows)).not.toContain(server.tokens.write);
  });

  test("behind an HTTPS proxy the cookie is Secure", async () => {
    const res = await request(server, "/console/session", {
      method: "POST",
      token: server.tokens.read,
      headers: { "x-forwarded-proto": "https" },
    });
    expect(res.headers.get("set-cookie")!.split("; ")).toContain("Secure");
  });

  test("a bad token opens nothing; a session cannot open another; no token in the URL", async () => {
    const bad = await request(server, "/console/session", { method: "POST", token: "qv_nope" });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("set-cookie")).toBeNull();
    const { cookie } = await signIn(server, server.tokens.read);
    const again = await request(server, "/console/session", {
      method: "POST",
      ...withCookie(cookie),
    });
    expect(again.status).toBe(403); // a POST by cookie without the CSRF token
    const inUrl = await request(server, `/console/session?access_token=${server.tokens.read}`, {
      method: "POST",
      token: null,
    });
    expect(inUrl.status).toBe(400);
    expect(inUrl.json.error.code).toBe("token_in_url");
  });
});

describe("using a session", () => {
  test("GET works by cookie alone; it says who is signed in and gives the CSRF token", async () => {
    const { cookie, csrf } = await signIn(server, server.tokens.write);
    const who = await request(server, "/console/session", withCookie(cookie));
    expect(who.status).toBe(200);
    expect(who.json).toMatchObject({ caller: { name: "writer", scope: "write" }, csrf });
    expect((await request(server, "/files", withCookie(cookie))).status).toBe(200);
    expect((await request(server, "/tools", withCookie(cookie))).status).toBe(200);
  });

  test("a change without the CSRF token is refused; with it, it goes through", async () => {
    const { cookie, csrf } = await signIn(server, server.tokens.write);
    const body = { path: "csrf/a.txt", content: "hello" };
    const without = await request(server, "/tools/write_file", { ...withCookie(cookie), body });
    expect(without.status).toBe(403);
    expect(without.json.error.code).toBe("csrf_failed");
    const wrong = await request(server, "/tools/write_file", {
      ...withCookie(cookie, { "x-csrf-token": "0".repeat(64) }),
      body,
    });
    expect(wrong.status).toBe(403);
    const foreign = await request(server, "/tools/write_file", {
      ...withCookie(cookie, { "x-csrf-token": csrf, origin: "https://evil.example" }),
      body,
    });
    expect(foreign.status).toBe(403);
    expect((await request(server, "/files/csrf/a.txt")).status).toBe(404); // nothing written
    const ok = await request(server, "/tools/write_file", {
      ...withCookie(cookie, { "x-csrf-token": csrf, origin: "http://localhost" }),
      body,
    });
    expect(ok.status).toBe(200);
    expect((await request(server, "/files/csrf/a.txt")).text).toBe("hello");
  });

  test("a session has its token's scope", async () => {
    const { cookie, csrf } = await signIn(server, server.tokens.read);
    const res = await request(server, "/tools/write_file", {
      ...withCookie(cookie, { "x-csrf-token": csrf }),
      body: { path: "csrf/b.txt", content: "x" },
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("insufficient_scope");
    const tokens = await request(server, "/tokens", withCookie(cookie));
    expect(tokens.status).toBe(403);
  });

  test("a bearer header wins over a cookie", async () => {
    const { cookie } = await signIn(server, server.tokens.read);
    const res = await request(server, "/tools/write_file", {
      token: server.tokens.write,
      headers: { cookie },
      body: { path: "csrf/c.txt", content: "x" },
    });
    expect(res.status).toBe(200);
  });
});

describe("ending a session", () => {
  test("signing out ends it: the same cookie is refused afterwards", async () => {
    const { cookie, csrf } = await signIn(server, server.tokens.write);
    const out = await request(server, "/console/session", {
      method: "DELETE",
      ...withCookie(cookie, { "x-csrf-token": csrf }),
    });
    expect(out.status).toBe(200);
    expect(out.headers.get("set-cookie")).toMatch(/^quiver_session=; .*Max-Age=0/);
    const after = await request(server, "/files", withCookie(cookie));
    expect(after.status).toBe(401);
    expect(after.json.error.code).toBe("invalid_session");
  });

  test("revoking its token ends it, whoever revokes it (HTTP or quiver token revoke)", async () => {
    const made = await request(server, "/tokens", {
      token: server.tokens.admin,
      body: { name: "short-lived", scope: "read" },
    });
    expect(made.status).toBe(201);
    const { cookie } = await signIn(server, made.json.secret);
    expect((await request(server, "/files", withCookie(cookie))).status).toBe(200);
    server.services.tokens.revoke("short-lived"); // what the CLI does on the data directory
    expect((await request(server, "/files", withCookie(cookie))).status).toBe(401);

    const second = await request(server, "/tokens", {
      token: server.tokens.admin,
      body: { name: "short-lived", scope: "read" },
    });
    const s2 = await signIn(server, second.json.secret);
    const revoked = await request(server, `/tokens/${second.json.token.id}`, {
      method: "DELETE",
      token: server.tokens.admin,
    });
    expect(revoked.status).toBe(200);
    expect(revoked.json.token.revoked).toBe(true);
    expect((await request(server, "/files", withCookie(s2.cookie))).status).toBe(401);
  });

  test("a QUIVER_TOKEN session ends when the server is given another QUIVER_TOKEN", async () => {
    const { cookie } = await signIn(server, STATIC_TOKEN);
    expect((await request(server, "/files", withCookie(cookie))).status).toBe(200);
    const db = rawDatabase(server);
    const secret = cookie.split("=")[1]!;
    const row = db
      .query("SELECT token_ref FROM sessions WHERE id_hash = ?")
      .get(new Bun.CryptoHasher("sha256").update(secret).digest("hex")) as { token_ref: string };
    const same = new TokenStore(db, STATIC_TOKEN);
    const rotated = new TokenStore(db, "another-static-token-0123456789");
    expect(same.callerByRef(row.token_ref)?.scope).toBe("admin");
    expect(rotated.callerByRef(row.token_ref)).toBeUndefined();
  });
});

describe("OAuth grants over HTTP (the Tokens page lists them)", () => {
  test("an admin lists and revokes a grant; its access token stops working", async () => {
    const { codes } = server.services.oauth;
    const code = codes.issue({
      clientId: "https://client.example/meta.json",
      clientName: "Example client",
      redirectUri: "https://client.example/cb",
      codeChallenge: "x".repeat(43),
      scope: "read",
      resource: "http://localhost/mcp",
    });
    const issued = codes.redeem(code, () => undefined) as { access_token: string };
    const listed = await request(server, "/grants", { token: server.tokens.admin });
    expect(listed.status).toBe(200);
    const grant = listed.json.grants.find((g: any) => g.client_name === "Example client");
    expect(grant).toMatchObject({ scope: "read", revoked: false });
    expect((await request(server, "/grants", { token: server.tokens.write })).status).toBe(403);
    const { tokens } = server.services;
    expect(tokens.check(issued.access_token)).toMatchObject({ caller: { scope: "read" } });
    const revoked = await request(server, `/grants/${grant.id}`, {
      method: "DELETE",
      token: server.tokens.admin,
    });
    expect(revoked.json.grant.revoked).toBe(true);
    expect(tokens.check(issued.access_token)).toEqual({ problem: "revoked" });
    const missing = await request(server, "/grants/nope", {
      method: "DELETE",
      token: server.tokens.admin,
    });
    expect(missing.status).toBe(404);
  });
});

describe("the session store's bounds", () => {
  const store = (limits: Partial<SessionLimits> = {}) =>
    new SessionStore(rawDatabase(server), { ...DEFAULT_SESSION_LIMITS, ...limits });

  test("a session ends when unused for idleMs (each use counts, written once a minute)", () => {
    const s = store({ idleMs: 120_000 });
    s.create("idle", "tok_idle", 0);
    expect(s.find("idle", 90_000)).toBeDefined(); // seen at 90 s
    expect(s.find("idle", 200_000)).toBeDefined(); // 110 s after
    expect(s.find("idle", 330_001)).toBeUndefined(); // 130 s after the last use
    expect(s.find("idle", 330_002)).toBeUndefined(); // and it is gone for good
  });

  test("a session ends lifetimeMs after sign-in however busy", () => {
    const s = store({ lifetimeMs: 100_000 });
    s.create("life", "tok_life", 0);
    expect(s.find("life", 99_999)).toBeDefined();
    expect(s.find("life", 100_000)).toBeUndefined();
  });

  test("sessions made in the same millisecond still end oldest first", () => {
    const s = store({ perToken: 3 });
    rawDatabase(server).run("DELETE FROM sessions");
    // Names that sort in the order they were made: ties must not be broken by name.
    for (const name of ["a-first", "b-second", "c-third", "d-fourth"])
      s.create(name, "tok_same_ms", 500_000);
    expect(s.find("a-first", 500_000)).toBeUndefined();
    for (const name of ["b-second", "c-third", "d-fourth"])
      expect(s.find(name, 500_000), name).toBeDefined();
  });

  test("at most perToken sessions per token and total in all: the oldest end", () => {
    const s = store({ perToken: 3, total: 5 });
    rawDatabase(server).run("DELETE FROM sessions");
    for (let i = 0; i < 4; i++) s.create(`a${i}`, "tok_a", 100_000 + i);
    expect(s.find("a0", 100_010)).toBeUndefined();
    expect(s.find("a1", 100_010)).toBeDefined();
    for (let i = 0; i < 4; i++) s.create(`b${i}`, `tok_b${i}`, 100_020 + i);
    expect(s.count()).toBe(5);
    expect(s.find("a1", 100_030)).toBeUndefined();
    expect(s.find("b3", 100_030)).toBeDefined();
  });

  test("the default bounds: 10 sessions per token over HTTP", async () => {
    const first = await signIn(server, server.tokens.admin);
    for (let i = 0; i < 10; i++) await signIn(server, server.tokens.admin);
    expect((await request(server, "/files", withCookie(first.cookie))).status).toBe(401);
  });
});

describe("the page shell", () => {
  test("/ is the console page, with a strict CSP and no inline script", async () => {
    const res = await request(server, "/", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/html");
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(res.text).not.toMatch(/\sstyle=|\son[a-z]+=/i);
  });

  test("its assets come from this server, with the same headers", async () => {
    const css = await request(server, "/console/assets/console.css", { token: null });
    expect(css.status).toBe(200);
    expect(css.headers.get("content-type")).toStartWith("text/css");
    expect(css.text).toContain(":root");
    const missing = await request(server, "/console/assets/nope.js", { token: null });
    expect(missing.status).toBe(404);
  });
});

test("every client module is served, and none builds HTML from strings", async () => {
  const dir = join(import.meta.dir, "..", "src", "web", "client");
  for (const name of readdirSync(dir)) {
    const res = await request(server, `/console/assets/${name}`, { token: null });
    expect(`${name} ${res.status} ${res.headers.get("content-type")}`).toBe(
      `${name} 200 text/javascript; charset=utf-8`,
    );
    expect(res.text).toBe(readFileSync(join(dir, name), "utf8"));
    expect(res.text).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  }
});

test("openSqliteServices on a fresh directory has an empty session table", () => {
  const services = openSqliteServices(loadConfig({ data: tempDir(), quiet: true }));
  try {
    expect(services.sessions.count()).toBe(0);
  } finally {
    services.close();
  }
});
