import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { loadConfig } from "../src/config.ts";
import { fileUri } from "../src/mcp/resource-uri.ts";
import { serveStdio } from "../src/mcp/stdio.ts";
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

  test("an MCP client subscribed on one replica hears of files written through the other", async () => {
    const mcp = stdioSession(a);
    mcp.send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "t", version: "1" },
      },
    });
    await mcp.find((m) => m.id === 1, "initialize");
    const uri = fileUri("shared/plan.md");
    mcp.send({ jsonrpc: "2.0", id: 2, method: "resources/subscribe", params: { uri } });
    await mcp.find((m) => m.id === 2, "subscribed");
    const updated = (m: any) =>
      m.method === "notifications/resources/updated" && m.params.uri === uri;
    await b.files.put("shared/plan.md", text("written through b"));
    await mcp.find(updated, "the update of a file written on b");
    await mcp.find((m) => m.method === "notifications/resources/list_changed", "list_changed");
    await mcp.close();
  });

  test("a burst of changes with long paths reaches the other replica whole, in bounded payloads", async () => {
    const heard = new Set<string>();
    const stop = b.changes.subscribe((c) => {
      if (c.kind === "file" && c.change === "deleted") heard.add(c.path);
    });
    // 20 paths of ~1,000 bytes: ~20 KB of changes, past PostgreSQL's 8,000-byte NOTIFY limit.
    const paths = Array.from(
      { length: 20 },
      (_, i) => `burst/${String(i).padStart(2, "0")}-${"p".repeat(990)}.md`,
    );
    for (const p of paths) await a.files.put(p, text(p));
    await a.files.deleteMany(paths);
    const deadline = Date.now() + 10_000;
    while (heard.size < paths.length && Date.now() < deadline) await Bun.sleep(10);
    stop();
    expect([...heard].sort()).toEqual(paths);
  });

  test("each replica's feed has its own changes once and the other's once", async () => {
    const seen = { a: [] as string[], b: [] as string[] };
    const stops = [
      a.changes.subscribe((c) => c.kind === "file" && seen.a.push(`${c.change} ${c.path}`)),
      b.changes.subscribe((c) => c.kind === "file" && seen.b.push(`${c.change} ${c.path}`)),
    ];
    const until = async (check: () => boolean, what: string) => {
      const deadline = Date.now() + 10_000;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await Bun.sleep(10);
      }
    };
    await a.files.put("feed/x.md", text("x"));
    await until(() => seen.b.includes("written feed/x.md"), "b to hear of x");
    await b.files.delete("feed/x.md");
    // Notifications arrive in commit order: once a hears of the delete, it has heard
    // everything announced before it — its own write would have come back by then.
    await until(() => seen.a.includes("deleted feed/x.md"), "a to hear of the delete");
    for (const stop of stops) stop();
    expect(seen.a).toEqual(["written feed/x.md", "deleted feed/x.md"]);
    expect(seen.b).toEqual(["written feed/x.md", "deleted feed/x.md"]);
  });
});

/** An in-process MCP stdio session on a replica's services: send lines, find what came back. */
function stdioSession(services: OpenServices) {
  const out: any[] = [];
  let input!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (input = c) });
  const done = serveStdio(services, {
    input: stream,
    write: (line) => out.push(JSON.parse(line)),
    drainMs: 100,
  });
  return {
    send: (message: unknown) =>
      input.enqueue(new TextEncoder().encode(`${JSON.stringify(message)}\n`)),
    count: (pred: (m: any) => boolean) => out.filter(pred).length,
    async find(pred: (m: any) => boolean, what: string) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = out.find(pred);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await Bun.sleep(10);
      }
    },
    async close() {
      input.close();
      await done;
    },
  };
}
