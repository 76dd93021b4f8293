import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { ensureAdminToken } from "../src/server/first-run.ts";
import { openSqliteServices } from "../src/services.ts";
import { migrations } from "../src/store/migrations.ts";
import { oneLine, runCli } from "./support/cli.ts";
import { tempDir, testServer } from "./support/services.ts";

const work = tempDir("quiver-token-names-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("token names", () => {
  const server = testServer();
  const { tokens } = server.services;
  afterAll(() => server.close());

  test("are unique among active tokens: a second one is a 409 saying which token holds it", () => {
    const first = tokens.create("ci-bot", "write");
    let thrown: any;
    try {
      tokens.create("ci-bot", "read");
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ status: 409, code: "token_name_taken" });
    expect(thrown.message).toBe(
      `a token named "ci-bot" already exists (${first.info.id}); choose another name, or revoke that one first`,
    );
    expect(tokens.list().filter((t) => t.name === "ci-bot")).toHaveLength(1);
  });

  test("a revoked token's name can be given again (rotation)", () => {
    const old = tokens.create("rotating", "read");
    tokens.revoke(old.info.id);
    const next = tokens.create("rotating", "read");
    expect(tokens.verify(next.secret)?.name).toBe("rotating");
    expect(tokens.verify(old.secret)).toBeUndefined();
  });

  test("revoke takes an active token's name as well as its id", () => {
    const named = tokens.create("laptop-2026", "read");
    expect(tokens.revoke("laptop-2026")).toMatchObject({ id: named.info.id, revoked: true });
    expect(tokens.verify(named.secret)).toBeUndefined();
    expect(() => tokens.revoke("laptop-2026")).toThrow(
      'no token with id or active name "laptop-2026"',
    );
  });

  test("the first-run admin token takes another name when an active token is called admin", async () => {
    const data = join(work, "admin-name");
    const services = openSqliteServices(loadConfig({ data, quiet: true }, {}));
    services.tokens.create("admin", "read");
    const secret = (await ensureAdminToken(services, 8080))!;
    expect(services.tokens.verify(secret)).toMatchObject({ name: "admin-2", scope: "admin" });
    services.close();
  });
});

test("a store made before names were unique opens; later duplicates get their id in their name", () => {
  const data = join(work, "old-store");
  mkdirSync(data);
  const old = new Database(join(data, "quiver.db"));
  // Everything up to the migration that made names unique.
  const unique = migrations.findIndex((sql) => sql.includes("tokens_active_name"));
  for (const sql of migrations.slice(0, unique)) old.run(sql);
  old.run(`PRAGMA user_version = ${unique}`);
  const insert = old.prepare(
    "INSERT INTO tokens (id, name, hash, scope, created_at, revoked_at) VALUES (?, ?, ?, 'read', ?, ?)",
  );
  insert.run("tok_aaaaaaaaaaaa", "laptop", "h1", 1, null);
  insert.run("tok_bbbbbbbbbbbb", "laptop", "h2", 2, null);
  insert.run("tok_cccccccccccc", "laptop", "h3", 3, 5); // revoked: keeps its name
  insert.run("tok_dddddddddddd", "other", "h4", 4, null);
  old.close();

  const services = openSqliteServices(loadConfig({ data, quiet: true }, {}));
  expect(services.tokens.list().map((t) => [t.id, t.name, t.revoked])).toEqual([
    ["tok_aaaaaaaaaaaa", "laptop", false],
    ["tok_bbbbbbbbbbbb", "laptop (tok_bbbbbbbbbbbb)", false],
    ["tok_cccccccccccc", "laptop", true],
    ["tok_dddddddddddd", "other", false],
  ]);
  expect(() => services.tokens.create("laptop", "read")).toThrow("already exists");
  services.close();
});

describe("quiver token (CLI)", () => {
  const data = join(work, "cli");
  test("a duplicate name is one line and exit 2; list --json shows revoked tokens as revoked", () => {
    const empty = join(work, "empty");
    mkdirSync(empty);
    expect(runCli(["index", empty, "--data", data]).code).toBe(0); // makes the store
    expect(runCli(["token", "create", "--name", "ci", "--data", data]).code).toBe(0);
    const again = runCli(["token", "create", "--name", "ci", "--data", data]);
    expect(again.code).toBe(2);
    expect(oneLine(again.err)).toContain('quiver: a token named "ci" already exists (tok_');

    const [ci] = JSON.parse(runCli(["token", "list", "--json", "--data", data]).out);
    expect(ci).toMatchObject({ name: "ci", revoked: false });
    expect(ci.revoked_at).toBeUndefined();
    expect(runCli(["token", "revoke", ci.id, "--data", data]).code).toBe(0);
    const [revoked] = JSON.parse(runCli(["token", "list", "--json", "--data", data]).out);
    expect(revoked).toMatchObject({ id: ci.id, name: "ci", revoked: true });
    expect(revoked.revoked_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(runCli(["token", "list", "--data", data]).out).toContain(
      `revoked ${revoked.revoked_at}`,
    );
  });
});
