import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { request, STATIC_TOKEN, testServer } from "./support/services.ts";

const server = testServer();
afterAll(() => server.close());

describe("bearer authentication", () => {
  test("only /healthz is open", async () => {
    expect((await request(server, "/healthz", { token: null })).status).toBe(200);
    for (const [method, path] of [
      ["GET", "/tools"],
      ["POST", "/tools/call"],
      ["POST", "/tools/list_files"],
      ["GET", "/files"],
      ["GET", "/files/a.txt"],
      ["PUT", "/files/a.txt"],
      ["DELETE", "/files/a.txt"],
    ]) {
      const res = await request(server, path!, { method, token: null });
      expect(res.status, `${method} ${path}`).toBe(401);
    }
  });

  test("no credentials: 401 with a challenge and no error code (RFC 6750 3.1)", async () => {
    const res = await request(server, "/tools", { token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="quiver"');
    expect(res.json.error.code).toBe("unauthorized");
  });

  test("another scheme counts as no bearer credentials", async () => {
    const res = await request(server, "/tools", {
      headers: { authorization: "Basic dXNlcjpwYXNz" },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="quiver"');
  });

  test.each([
    ["wrong token", "Bearer qv_not-a-real-token"],
    ["empty token", "Bearer "],
    ["token with junk after", `Bearer ${STATIC_TOKEN} extra`],
  ])("%s: 401 invalid_token", async (_label, header) => {
    const res = await request(server, "/tools", { headers: { authorization: header } });
    expect(res.status).toBe(401);
    // RFC 6750 §3: error_description says why (issue 17: expired and revoked say so).
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="quiver", error="invalid_token", error_description="the bearer token is not valid (unknown or malformed)"',
    );
    expect(res.json.error.code).toBe("invalid_token");
  });

  test("scheme glued to the token is not the Bearer scheme (the plugin alone would accept a mangled token)", async () => {
    const res = await request(server, "/tools", {
      headers: { authorization: `Bearer${STATIC_TOKEN}` },
    });
    expect(res.status).toBe(401);
  });

  test("scheme is case-insensitive", async () => {
    expect(
      (await request(server, "/tools", { headers: { authorization: `bearer ${STATIC_TOKEN}` } }))
        .status,
    ).toBe(200);
  });

  test("a token in the query string is refused, even a valid one", async () => {
    const res = await request(server, `/tools?access_token=${STATIC_TOKEN}`, { token: null });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("token_in_url");
    const withHeader = await request(server, `/tools?access_token=${STATIC_TOKEN}`);
    expect(withHeader.status).toBe(400);
  });

  test("a token in the JSON body is not a credential", async () => {
    const res = await request(server, "/tools/call", {
      token: null,
      body: { access_token: STATIC_TOKEN, name: "list_files", parameters: {} },
    });
    expect(res.status).toBe(401);
  });

  test("QUIVER_TOKEN works as an admin token", async () => {
    const res = await request(server, "/tools/call", {
      body: { name: "write_file", parameters: { path: "s.txt", content: "x" } },
    });
    expect(res.status).toBe(200);
  });

  test("revoked tokens stop working at once", async () => {
    const { info, secret } = server.services.tokens.create("temp", "admin");
    expect((await request(server, "/tools", { token: secret })).status).toBe(200);
    server.services.tokens.revoke(info.id);
    const res = await request(server, "/tools", { token: secret });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe("invalid_token");
    expect(res.headers.get("www-authenticate")).toContain(
      'error_description="the bearer token has been revoked"',
    );
  });

  test("tokens are stored only as SHA-256 digests", () => {
    const { secret } = server.services.tokens.create("peek", "read");
    const raw = new Database(join(server.config.dataDir, "quiver.db"), { readonly: true });
    const dump = JSON.stringify(raw.query("SELECT * FROM tokens").all());
    raw.close();
    expect(dump).not.toContain(secret);
    expect(dump).toContain(new Bun.CryptoHasher("sha256").update(secret).digest("hex"));
  });
});

describe("scopes", () => {
  // [method, path, body, scope needed]
  const routes: [string, string, unknown, "read" | "write"][] = [
    ["GET", "/tools", undefined, "read"],
    ["POST", "/tools/call", { name: "list_files", parameters: {} }, "read"],
    ["POST", "/tools/list_files", {}, "read"],
    ["POST", "/tools/call", { name: "read_file", parameters: { path: "scoped.txt" } }, "read"],
    [
      "POST",
      "/tools/call",
      { name: "write_file", parameters: { path: "scoped.txt", content: "v" } },
      "write",
    ],
    ["POST", "/tools/write_file", { path: "scoped.txt", content: "v" }, "write"],
    [
      "POST",
      "/tools/call",
      { name: "delete_file", parameters: { path: "scoped-del.txt" } },
      "write",
    ],
    ["GET", "/files", undefined, "read"],
    ["GET", "/files/scoped.txt", undefined, "read"],
    ["PUT", "/files/scoped.txt", "bytes", "write"],
    ["DELETE", "/files/scoped-del.txt", undefined, "write"],
  ];

  const order = ["read", "write", "admin"] as const;
  for (const [method, path, body, needed] of routes) {
    for (const scope of order) {
      const allowed = order.indexOf(scope) >= order.indexOf(needed);
      test(`${method} ${path} ${body && typeof body === "object" && "name" in body ? (body as { name: string }).name : ""} with a ${scope} token: ${allowed ? "allowed" : "403"}`, async () => {
        await server.services.files.put("scoped.txt", [new TextEncoder().encode("v")]);
        await server.services.files.put("scoped-del.txt", [new TextEncoder().encode("d")]);
        const res = await request(server, path, { method, token: server.tokens[scope], body });
        if (allowed) expect(res.status, res.text).toBeLessThan(300);
        else {
          expect(res.status).toBe(403);
          expect(res.json.error.code).toBe("insufficient_scope");
          expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
        }
      });
    }
  }
});
