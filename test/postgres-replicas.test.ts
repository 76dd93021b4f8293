import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { loadConfig } from "../src/config.ts";
import { type OpenServices, openServices } from "../src/services.ts";
import { type PgCluster, requirePostgres, startPostgres } from "./support/postgres.ts";
import { tempDir } from "./support/services.ts";

// Issue 19: several quiver processes on one PostgreSQL database, here as two sets of
// services in one process (each with its own connection pool, as two replicas have).
const run = requirePostgres();
let cluster: PgCluster;
const dirs: string[] = [];
beforeAll(async () => {
  if (run) cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function replica(database: string, more: Record<string, string> = {}): Promise<OpenServices> {
  const data = tempDir();
  dirs.push(data);
  return openServices(loadConfig({ data, quiet: true, database, ...more }, {}));
}
const text = (s: string) => [new TextEncoder().encode(s)];
const read = async (s: OpenServices, path: string) =>
  new TextDecoder().decode(await s.files.readBytes(await s.files.require(path)));

describe.if(run)("replicas on one PostgreSQL database", () => {
  // Two replicas on a database of their own for every test: each passes alone and in any
  // order (a job or file another test left behind would be claimed or counted).
  let a: OpenServices;
  let b: OpenServices;
  beforeEach(async () => {
    const url = await cluster.createDatabase();
    // Both start at once on an empty database: the migrations run once, under the lock.
    [a, b] = await Promise.all([replica(url), replica(url)]);
  });
  afterEach(async () => {
    await a?.close();
    await b?.close();
  });

  test("two replicas starting at once both come up on the migrated schema", async () => {
    const sql = new Bun.SQL((a.config as { databaseUrl: string }).databaseUrl);
    const [{ version }] = await sql`SELECT version FROM quiver_schema`;
    await sql.close();
    const { pgMigrations } = await import("../src/store/pg/migrations.ts");
    expect(version).toBe(pgMigrations.length);
  });

  test("a file written through one is read and found through the other", async () => {
    await a.files.put(
      "notes/replicas.md",
      text("# Replicas\n\nPostgreSQL keeps every replica in step.\n"),
    );
    expect(await read(b, "notes/replicas.md")).toContain("every replica in step");
    const found = await b.index.searchAsync("which replica is in step", {}, 5000);
    expect(found.results[0]?.path).toBe("notes/replicas.md");
    await b.files.delete("notes/replicas.md");
    expect(await a.files.get("notes/replicas.md")).toBeUndefined();
  });

  test("a token revoked on one is refused on the other at once", async () => {
    const { secret } = await a.tokens.create("laptop", "read");
    expect("caller" in (await b.tokens.check(secret))).toBe(true);
    await b.tokens.revoke("laptop");
    expect(await a.tokens.check(secret)).toEqual({ problem: "revoked" });
  });

  test("deleting a file on one while the other writes the same bytes never loses them", async () => {
    // The blob is shared: a collector on one replica must not remove it from under a
    // write on the other (the advisory locks in store/pg/blobs.ts).
    for (let i = 0; i < 25; i++) {
      const bytes = `same bytes, round ${i}\n`;
      await a.files.put(`race/${i}/old.txt`, text(bytes));
      await Promise.all([
        a.files.delete(`race/${i}/old.txt`),
        b.files.put(`race/${i}/new.txt`, text(bytes)),
      ]);
      expect(await read(a, `race/${i}/new.txt`)).toBe(bytes);
    }
  });

  test("jobs claimed by both at once are each claimed once", async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add((await a.jobs.enqueue("noop", { i })).job_id);
    const claims: string[] = [];
    const worker = async (s: OpenServices, owner: string) => {
      for (;;) {
        const job = await s.jobs.claim(owner, 60_000);
        if (!job) return;
        claims.push(job.id);
        await s.jobs.finish(job.id, owner, { status: "succeeded", result: null });
      }
    };
    await Promise.all([worker(a, "wa"), worker(b, "wb"), worker(a, "wa2"), worker(b, "wb2")]);
    expect(claims.length).toBe(20);
    expect(new Set(claims)).toEqual(ids);
  });

  test("an enqueue on one wakes the other's idle worker (LISTEN/NOTIFY)", async () => {
    const idle = new AbortController();
    await b.jobs.waitForWork!(1, idle.signal); // LISTEN is in place from here on
    // Polling alone would wake it only after 10 minutes: being woken at all is the test.
    const woken = b.jobs.waitForWork!(600_000, idle.signal).then(() => "woken");
    const enqueued = await a.jobs.enqueue("noop", {});
    const outcome = await Promise.race([woken, Bun.sleep(20_000).then(() => "not woken")]);
    idle.abort();
    expect(outcome).toBe("woken");
    expect(enqueued.status).toBe("enqueued");
  });

  test("an OAuth grant revoked on one replica ends its access token on the other", async () => {
    const code = await a.oauth.codes.issue({
      clientId: "qvc_r",
      clientName: "R",
      redirectUri: "https://r.example/cb",
      codeChallenge: "c",
      scope: "write",
      resource: "https://q.example/mcp",
    });
    const issued = await b.oauth.codes.redeem(code, () => undefined);
    if ("refused" in issued) throw new Error(issued.refused);
    // The code was spent on b: a sees it as used (and that ends the grant it made).
    expect(await a.oauth.codes.redeem(code, () => undefined)).toEqual({ refused: "code_reused" });
    expect(await b.tokens.check(issued.access_token)).toEqual({ problem: "revoked" });
    const again = await a.oauth.codes.issue({
      clientId: "qvc_r",
      clientName: "R",
      redirectUri: "https://r.example/cb",
      codeChallenge: "c",
      scope: "write",
      resource: "https://q.example/mcp",
    });
    const second = await a.oauth.codes.redeem(again, () => undefined);
    if ("refused" in second) throw new Error(second.refused);
    expect("caller" in (await b.tokens.check(second.access_token))).toBe(true);
    await b.oauth.grants.revoke(second.grantId);
    expect(await a.tokens.check(second.access_token)).toEqual({ problem: "revoked" });
  });
});
