import { afterAll, describe, expect, test } from "bun:test";
import type { Scope } from "../src/store/tokens.ts";
import { tools } from "../src/tools/registry.ts";
import { tempDir, testServer } from "./support/services.ts";

// Every route × every credential: the table fails if any cell lets through what it should
// not (or locks out what it should let through). The expectations are written here, from
// the README's tool tables, never taken from the product (its scopeAllows or a tool's
// declared scope): a tool declared with the wrong scope, or a scope check that lets too
// much through, must fail this file.
const NEEDS: Record<string, Scope> = {
  search: "read",
  read_file: "read",
  list_files: "read",
  write_file: "write",
  delete_file: "write",
  import_path: "write",
  reindex: "admin",
  job_status: "read",
  list_jobs: "read",
  cancel_job: "write",
};
/** What a token of each scope may do: read < write < admin. */
const GRANTS: Record<Scope, Scope[]> = {
  read: ["read"],
  write: ["read", "write"],
  admin: ["read", "write", "admin"],
};
const SCOPES: Scope[] = ["read", "write", "admin"];
const importRoot = tempDir("quiver-auth-root-");
const server = testServer({ importRoots: [importRoot] });
afterAll(() => server.close());
const revoked = server.services.tokens.create("gone", "admin");
server.services.tokens.revoke(revoked.info.id);
await server.services.files.put("m/x.txt", [new TextEncoder().encode("x")]);

const MODERN = "2026-07-28";
const meta = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
};

type Credential = "none" | "bad" | "revoked" | Scope;
const credentials: Credential[] = ["none", "bad", "revoked", ...SCOPES];
const secretFor = (c: Credential): string | undefined =>
  c === "none"
    ? undefined
    : c === "bad"
      ? "qv_wrong"
      : c === "revoked"
        ? revoked.secret
        : server.tokens[c];

interface Route {
  label: string;
  scope: Scope;
  request: (auth: Record<string, string>) => Request;
}

const json =
  (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) =>
  (auth: Record<string, string>) =>
    new Request(`http://localhost${path}`, {
      method,
      headers: { ...auth, "content-type": "application/json", ...extra },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
const mcp = (method: string, params: Record<string, unknown>, name?: string) =>
  json(
    "POST",
    "/mcp",
    { jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: meta } },
    {
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": MODERN,
      "mcp-method": method,
      ...(name ? { "mcp-name": name } : {}),
    },
  );

// Parameters that reach the scope check (they need not succeed afterwards).
const sample: Record<string, unknown> = {
  search: { query: "x" },
  read_file: { path: "m/x.txt" },
  list_files: {},
  write_file: { path: "m/y.txt", content: "y" },
  delete_file: { path: "m/none.txt" },
  import_path: { path: importRoot },
  reindex: {},
  job_status: { job_id: "job_x" },
  list_jobs: {},
  cancel_job: { job_id: "job_x" },
};

const routes: Route[] = [
  { label: "GET /tools", scope: "read", request: json("GET", "/tools") },
  { label: "GET /files", scope: "read", request: json("GET", "/files") },
  { label: "GET /files/m/x.txt", scope: "read", request: json("GET", "/files/m/x.txt") },
  {
    label: "PUT /files/m/z.txt",
    scope: "write",
    request: (auth) =>
      new Request("http://localhost/files/m/z.txt", { method: "PUT", headers: auth, body: "z" }),
  },
  {
    label: "DELETE /files/m/none.txt",
    scope: "write",
    request: json("DELETE", "/files/m/none.txt"),
  },
  { label: "MCP tools/list", scope: "read", request: mcp("tools/list", {}) },
  ...tools.flatMap((tool): Route[] => [
    {
      label: `POST /tools/call ${tool.name}`,
      scope: NEEDS[tool.name] as Scope,
      request: json("POST", "/tools/call", { name: tool.name, parameters: sample[tool.name] }),
    },
    {
      label: `POST /tools/${tool.name}`,
      scope: NEEDS[tool.name] as Scope,
      request: json("POST", `/tools/${tool.name}`, sample[tool.name]),
    },
    {
      label: `MCP tools/call ${tool.name}`,
      scope: NEEDS[tool.name] as Scope,
      request: mcp("tools/call", { name: tool.name, arguments: sample[tool.name] }, tool.name),
    },
  ]),
];

test("every tool has an expected scope and sample parameters in this file, and no other", () => {
  const names = tools.map((t) => t.name).sort();
  expect(Object.keys(NEEDS).sort()).toEqual(names);
  expect(Object.keys(sample).sort()).toEqual(names);
});

test("reindex needs an admin token on every transport", async () => {
  const reindex = routes.filter((r) => /[ /]reindex$/.test(r.label));
  expect(reindex.length).toBe(3);
  for (const route of reindex)
    for (const credential of ["read", "write"] as const) {
      const res = await server.handle(
        route.request({ authorization: `Bearer ${server.tokens[credential]}` }),
      );
      expect(res.status, `${route.label} with ${credential}`).toBe(403);
    }
});

describe.each(routes.map((r) => [r.label, r] as const))("%s", (_label, route) => {
  test.each(credentials)("with %s credentials", async (credential) => {
    const secret = secretFor(credential);
    const res = await server.handle(
      route.request(secret ? { authorization: `Bearer ${secret}` } : {}),
    );
    const body = await res.text();
    if (credential === "none" || credential === "bad" || credential === "revoked") {
      expect(res.status, body).toBe(401);
      expect(res.headers.get("www-authenticate")).toStartWith("Bearer ");
    } else if (!GRANTS[credential].includes(route.scope)) {
      expect(res.status, body).toBe(403);
      expect(res.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    } else {
      expect([401, 403], body).not.toContain(res.status);
      expect(res.status, body).toBeLessThan(500);
      expect(body).not.toContain("insufficient_scope");
    }
  });
});
