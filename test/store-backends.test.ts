import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { importTree } from "../src/importer/import-tree.ts";
import { type OpenServices, openServices } from "../src/services.ts";
import { type PgCluster, requirePostgres, startPostgres } from "./support/postgres.ts";
import { tempDir } from "./support/services.ts";

// Issue 19: one suite over both engines. Everything goes through the store interfaces, as
// every caller above src/store/ does, so what passes here on SQLite must pass on
// PostgreSQL too.
const withPostgres = requirePostgres();
let cluster: PgCluster | undefined;
beforeAll(async () => {
  if (withPostgres) cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function open(engine: string): Promise<OpenServices> {
  const data = tempDir();
  dirs.push(data);
  const database = engine === "postgres" ? await cluster!.createDatabase() : undefined;
  return openServices(loadConfig({ data, quiet: true, ...(database ? { database } : {}) }, {}));
}

const text = (s: string) => [new TextEncoder().encode(s)];
const engines = withPostgres ? ["sqlite", "postgres"] : ["sqlite"];

describe.each(engines)("the %s store", (engine) => {
  // A fresh store (a new PostgreSQL database) for every test: each counts and lists
  // what it wrote, and must pass alone and in any order.
  let s: OpenServices;
  beforeEach(async () => {
    s = await open(engine);
  });
  afterEach(async () => {
    await s?.close();
  });

  test("tokens: a created token is accepted, a revoked one refused, names are unique", async () => {
    const { info, secret } = await s.tokens.create("ci-bot", "write");
    expect(await s.tokens.check(secret)).toEqual({
      caller: { id: info.id, name: "ci-bot", scope: "write" },
    });
    expect(await s.tokens.check("qv_not-a-token")).toEqual({ problem: "unknown" });
    await expect(async () => s.tokens.create("ci-bot", "read")).toThrow(/already exists/);
    expect(await s.tokens.hasActiveAdmin()).toBe(false);
    const revoked = await s.tokens.revoke("ci-bot");
    expect(revoked).toMatchObject({ id: info.id, revoked: true });
    expect(await s.tokens.check(secret)).toEqual({ problem: "revoked" });
    expect((await s.tokens.list()).map((t) => [t.name, t.revoked])).toEqual([["ci-bot", true]]);
    // The name is free again once its token is revoked (rotation).
    expect((await s.tokens.create("ci-bot", "admin")).info.scope).toBe("admin");
    expect(await s.tokens.hasActiveAdmin()).toBe(true);
  });

  test("files: write, read back, overwrite, list by prefix with a cursor, delete", async () => {
    const put = await s.files.put("docs/a.md", text("# Alpha\n\nfirst file\n"));
    expect(put).toMatchObject({ created: true, changed: true });
    expect(put.file).toMatchObject({ path: "docs/a.md", size: 20, is_text: true });
    expect(put.file.sha256).toBe(
      new Bun.CryptoHasher("sha256").update("# Alpha\n\nfirst file\n").digest("hex"),
    );
    const again = await s.files.put("docs/a.md", text("# Alpha\n\nfirst file\n"));
    expect(again).toMatchObject({ created: false, changed: false });
    await s.files.put("docs/b.md", text("second\n"));
    await s.files.put("docs/c.bin", [new Uint8Array([0, 1, 2, 255])]);
    await s.files.put("other/d.txt", text("elsewhere\n"));
    const first = await s.files.list("docs/", 2);
    expect(first.files.map((f) => f.path)).toEqual(["docs/a.md", "docs/b.md"]);
    const rest = await s.files.list("docs/", 2, first.next_cursor);
    expect(rest.files.map((f) => [f.path, f.is_text])).toEqual([["docs/c.bin", false]]);
    expect(rest.next_cursor).toBeUndefined();
    const { info, blob, lines } = await s.files.openRead("docs/a.md");
    expect(info.size).toBe(20);
    expect(lines).toBe(3);
    expect(new TextDecoder().decode(await blob.bytes())).toBe("# Alpha\n\nfirst file\n");
    await s.files.put("docs/a.md", text("rewritten\n"));
    expect(
      new TextDecoder().decode(await s.files.readBytes(await s.files.require("docs/a.md"))),
    ).toBe("rewritten\n");
    expect((await s.files.delete("docs/b.md")).path).toBe("docs/b.md");
    expect(await s.files.get("docs/b.md")).toBeUndefined();
    await expect(async () => s.files.delete("docs/b.md")).toThrow(/no file at "docs\/b.md"/);
    expect(await s.files.count()).toBe(3);
  });

  test("files: the same bytes under two paths are stored once and survive either delete", async () => {
    const bytes = "shared content, stored once\n";
    await s.files.put("dup/one.txt", text(bytes));
    await s.files.put("dup/two.txt", text(bytes));
    await s.files.delete("dup/one.txt");
    expect(
      new TextDecoder().decode(await s.files.readBytes(await s.files.require("dup/two.txt"))),
    ).toBe(bytes);
    await s.files.delete("dup/two.txt");
    await s.files.put("dup/three.txt", text(bytes));
    expect(
      new TextDecoder().decode(await s.files.readBytes(await s.files.require("dup/three.txt"))),
    ).toBe(bytes);
  });

  test("files: a large file streams back whole, in order", async () => {
    const big = new Uint8Array(700_000).map((_, i) => (i * 7) % 251);
    const chunks = [
      big.subarray(0, 100_000),
      big.subarray(100_000, 500_123),
      big.subarray(500_123),
    ];
    const put = await s.files.put("big/data.bin", chunks);
    expect(put.file.size).toBe(700_000);
    const { blob } = await s.files.openRead("big/data.bin");
    const got = new Uint8Array(await new Response(blob.stream()).arrayBuffer());
    expect(got.byteLength).toBe(700_000);
    expect(Buffer.compare(got, big)).toBe(0);
  });

  test("files: bodies past the limit are refused with 413 and nothing is stored", async () => {
    await expect(async () => s.files.put("limit/x.txt", text("0123456789"), 5)).toThrow(
      /larger than the limit/,
    );
    expect(await s.files.get("limit/x.txt")).toBeUndefined();
  });

  test("search: a question finds its passage with lines and a marked snippet", async () => {
    await s.files.put(
      "guide/install.md",
      text(
        "# Installing\n\nRun the installer, then restart the server.\n\n## Upgrading\n\nUpgrades keep your data.\n",
      ),
    );
    await s.files.put("guide/other.md", text("# Other\n\nNothing about that here.\n"));
    const found = await s.index.searchAsync("how do I restart the server", {}, 5000);
    expect(found.results[0]).toMatchObject({ path: "guide/install.md", line_start: 1 });
    expect(found.results[0]!.snippet).toContain("«");
    expect(found.results.every((r) => r.line_end >= r.line_start)).toBe(true);
    // Operators and path: keep their meaning; user punctuation is never query syntax.
    const none = await s.index.searchAsync("upgrades NOT data", {}, 5000);
    expect(none.results.map((r) => r.path)).not.toContain("guide/install.md");
    const scoped = await s.index.searchAsync("installer path:docs/", {}, 5000);
    expect(scoped.results).toEqual([]);
    const phrase = await s.index.searchAsync('"restart the server"', {}, 5000);
    expect(phrase.results.map((r) => r.path)).toEqual(["guide/install.md"]);
    const prefix = await s.index.searchAsync("upgr*", {}, 5000);
    expect(prefix.results.map((r) => r.path)).toContain("guide/install.md");
    for (const odd of ['c++ "best (', "a OR", "title:x AND (", "'; DROP TABLE files; --"])
      await s.index.searchAsync(odd, {}, 5000); // answers, never an engine error
    // A deleted file is no longer found.
    await s.files.delete("guide/install.md");
    const gone = await s.index.searchAsync("installer", {}, 5000);
    expect(gone.results.map((r) => r.path)).not.toContain("guide/install.md");
  });

  test("search: words split at punctuation, in documents and queries alike", async () => {
    // PostgreSQL's own parser reads "S/390" and "I/O-Layer" as single file-path tokens.
    await s.files.put(
      "arch/cio.rst",
      text("S/390 common I/O-Layer\n======================\n\nChannel paths.\n"),
    );
    await s.files.put("arch/other.rst", text("Other\n=====\n\nA common layer of paths.\n"));
    const found = await s.index.searchAsync("390 common layer", {}, 5000);
    expect(found.results[0]?.path).toBe("arch/cio.rst");
    // The words that matched are the ones marked, inside "S/390" and "I/O-Layer" too.
    expect(found.results[0]?.snippet).toContain("S/«390» «common» I/O-«Layer»");
    const slashed = await s.index.searchAsync('"S/390"', {}, 5000);
    expect(slashed.results.map((r) => r.path)).toEqual(["arch/cio.rst"]);
  });

  test("search: the file titled by the query ranks first, and no file takes more than two results", async () => {
    const sections = Array.from(
      { length: 6 },
      (_, i) => `## Part ${i}\n\nMemory barriers order memory accesses; barriers pair up.\n`,
    ).join("\n");
    await s.files.put("guide/locking.md", text(`# Locking guide\n\n${sections}`));
    await s.files.put(
      "guide/dma.md",
      text("# Memory barriers in device drivers and DMA\n\nDrivers need memory barriers too.\n"),
    );
    await s.files.put("guide/barriers.md", text("# Memory barriers\n\nWhat a barrier promises.\n"));
    const found = await s.index.searchAsync("memory barriers", { limit: 10 }, 5000);
    const paths = found.results.map((r) => r.path);
    expect(paths[0]).toBe("guide/barriers.md");
    expect(paths.filter((p) => p === "guide/locking.md").length).toBeLessThanOrEqual(2);
    expect(new Set(paths)).toEqual(
      new Set(["guide/barriers.md", "guide/dma.md", "guide/locking.md"]),
    );
  });

  test("imports: a tree is stored and searchable; a second run changes nothing; --sync removes", async () => {
    const root = tempDir("quiver-tree-");
    dirs.push(root);
    mkdirSync(join(root, "sub"));
    writeFileSync(join(root, "readme.md"), "# Tree\n\nImported through the bulk path.\n");
    writeFileSync(join(root, "sub", "notes.txt"), "Quarterly figures live here.\n");
    writeFileSync(join(root, "sub", "blob.bin"), new Uint8Array([0, 159, 146, 150]));
    const first = await importTree(s.files, { root, prefix: "tree" });
    expect(first).toMatchObject({ added: 3, updated: 0, unchanged: 0, skipped_binary: 1 });
    expect(await s.files.get("tree/sub/notes.txt")).toMatchObject({ size: 29, is_text: true });
    const found = await s.index.searchAsync("quarterly figures", {}, 5000);
    expect(found.results.map((r) => r.path)).toEqual(["tree/sub/notes.txt"]);
    const again = await importTree(s.files, { root, prefix: "tree" });
    expect(again).toMatchObject({ added: 0, unchanged: 3 });
    rmSync(join(root, "sub", "notes.txt"));
    const synced = await importTree(s.files, { root, prefix: "tree", sync: true });
    expect(synced).toMatchObject({ removed: 1, unchanged: 2 });
    expect(await s.files.get("tree/sub/notes.txt")).toBeUndefined();
    expect((await s.index.searchAsync("quarterly figures", {}, 5000)).results).toEqual([]);
  });

  test("search: a question mixing a very common word and a rare one pages and counts", async () => {
    // 3,200 passages hold "widget": past the PostgreSQL plan's common-word line (3,000).
    const sections = Array.from({ length: 3200 }, (_, i) => `# Part ${i}\n\nwidget notes\n`).join(
      "\n",
    );
    await s.files.put("common/many.md", text(sections));
    await s.files.put("common/rare.md", text("# Zanzibar\n\nthe widget from zanzibar\n"));
    const found = await s.index.searchAsync("which widget comes from zanzibar", { limit: 1 }, 5000);
    expect(found.results.map((r) => r.path)).toEqual(["common/rare.md"]);
    expect(found.total).toBeGreaterThanOrEqual(1);
    const next = await s.index.searchAsync(
      "which widget comes from zanzibar",
      { limit: 1, offset: 1 },
      5000,
    );
    expect(next.results.length).toBeLessThanOrEqual(1);
  });

  test("jobs: enqueue, claim with a lease, progress, cancel at the next heartbeat", async () => {
    const job = await s.jobs.enqueue("count", { n: 3 }, { createdBy: "test" });
    expect(job).toMatchObject({ kind: "count", status: "enqueued", params: { n: 3 }, attempts: 0 });
    const claimed = await s.jobs.claim("w1", 60_000);
    expect(claimed).toMatchObject({ id: job.job_id, kind: "count", params: { n: 3 }, attempts: 1 });
    expect(await s.jobs.claim("w2", 60_000)).toBeUndefined();
    expect(await s.jobs.heartbeat(job.job_id, "w1", 60_000, 1, 3, "one")).toBe("ok");
    expect(await s.jobs.heartbeat(job.job_id, "w2", 60_000, 1, 3)).toBe("lost");
    expect((await s.jobs.view(job.job_id)).progress).toEqual({ done: 1, total: 3, message: "one" });
    expect((await s.jobs.cancel(job.job_id)).cancel_requested).toBe(true);
    expect(await s.jobs.heartbeat(job.job_id, "w1", 60_000, 2, 3)).toBe("cancel");
    await s.jobs.finish(job.job_id, "w1", { status: "succeeded", result: { counted: 2 } });
    expect(await s.jobs.view(job.job_id)).toMatchObject({
      status: "canceled",
      result: { counted: 2 },
    });
    await expect(async () => s.jobs.cancel(job.job_id)).toThrow(/already canceled/);
    const listed = await s.jobs.list({ limit: 10 });
    expect(listed.jobs.map((j) => j.job_id)).toContain(job.job_id);
  });

  test("jobs: an expired lease goes back to the queue; failures retry, then fail", async () => {
    const job = await s.jobs.enqueue("flaky", {}, { maxAttempts: 2 });
    await s.jobs.claim("dead-worker", 1, Date.now());
    await Bun.sleep(5);
    expect(await s.jobs.requeueExpired()).toBeGreaterThanOrEqual(1);
    const again = await s.jobs.claim("w3", 60_000);
    expect(again).toMatchObject({ id: job.job_id, attempts: 2 });
    expect(await s.jobs.fail(job.job_id, "w3", "disk on fire", 0)).toBe("failed");
    expect(await s.jobs.view(job.job_id)).toMatchObject({
      status: "failed",
      last_error: "disk on fire",
    });
  });

  test("oauth: a code is redeemed once for tokens that work; refresh rotates; a reuse ends the grant", async () => {
    const { clients, codes, grants, password } = s.oauth;
    await clients.put({
      id: "qvc_test",
      kind: "dcr",
      name: "Test client",
      redirect_uris: ["https://app.example/cb"],
      metadata: { client_name: "Test client" },
      created_at: 1,
    });
    expect(await clients.get("qvc_test")).toMatchObject({
      name: "Test client",
      redirect_uris: ["https://app.example/cb"],
    });
    const request = {
      clientId: "qvc_test",
      clientName: "Test client",
      redirectUri: "https://app.example/cb",
      codeChallenge: "challenge",
      scope: "read" as const,
      resource: "https://quiver.example/mcp",
    };
    const code = await codes.issue(request);
    const checks: unknown[] = [];
    const issued = await codes.redeem(code, (r) => void checks.push(r));
    expect(checks).toEqual([request]);
    if ("refused" in issued) throw new Error(`refused: ${issued.refused}`);
    expect(await s.tokens.check(issued.access_token)).toEqual({
      caller: expect.objectContaining({
        scope: "read",
        resource: "https://quiver.example/mcp",
        grantId: issued.grantId,
      }),
    });
    const rotated = await grants.refresh(issued.refresh_token, "qvc_test", undefined);
    if ("refused" in rotated) throw new Error(`refused: ${rotated.refused}`);
    expect(await grants.refresh(issued.refresh_token, "qvc_test", undefined)).toEqual({
      refused: "refresh_reused",
    });
    // A reused refresh token ends the grant: every token of it stops working.
    expect(await s.tokens.check(rotated.access_token)).toEqual({ problem: "revoked" });
    expect(await codes.redeem(code, () => undefined)).toEqual({ refused: "code_reused" });
    const listed = await grants.list();
    expect(listed.map((g) => [g.id, g.revoked])).toEqual([[issued.grantId, true]]);
    expect(await password.isSet()).toBe(false);
    await password.set("a long enough password");
    expect(await password.verify("a long enough password")).toBe(true);
    expect(await password.verify("wrong")).toBe(false);
    expect(await password.clear()).toBe(true);
  });

  test("sessions: found while live, ended with their token", async () => {
    const row = await s.sessions.create("h1", "tok_x");
    expect(await s.sessions.find("h1")).toMatchObject({
      token_ref: "tok_x",
      expires_at: row.expires_at,
    });
    expect(await s.sessions.find("h1", row.expires_at + 1)).toBeUndefined();
    await s.sessions.create("h2", "tok_y");
    expect(await s.sessions.endAllFor("tok_y")).toBe(1);
    expect(await s.sessions.find("h2")).toBeUndefined();
  });
});

describe.if(withPostgres)("PostgreSQL ranking and the planner's statistics", () => {
  test("a search scores the same before and after the tables are first analysed", async () => {
    // Right after an import autovacuum has not yet analysed the new tables, and their
    // row estimates are unknown; the ranking must not read them as "no files".
    const database = await cluster!.createDatabase();
    const data = tempDir();
    dirs.push(data);
    const s = await openServices(loadConfig({ data, quiet: true, database }, {}));
    try {
      // Files of 1 to 12 passages, the query's words in some of each: the whole-file score
      // weighs a file's matching passages against the average file length.
      for (let i = 0; i < 12; i++) {
        const parts = Array.from({ length: 1 + i }, (_, j) =>
          j % 3 === 0
            ? `## Part ${j}\n\nSpinlocks guard data that interrupt handlers touch, part ${j}.\n`
            : `## Part ${j}\n\nUnrelated words about scheduling, part ${j}.\n`,
        );
        await s.files.put(`notes/n${i}.md`, text(`# Note ${i}\n\n${parts.join("\n")}`));
      }
      const order = async () =>
        (
          await s.index.searchAsync("spinlocks interrupt handlers", { limit: 30 }, 5000)
        ).results.map((r) => `${r.path}:${r.line_start}`);
      const before = await order();
      expect(before.length).toBeGreaterThan(0);
      const sql = new Bun.SQL(database);
      await sql.unsafe("ANALYZE");
      await sql.close();
      expect(await order()).toEqual(before);
    } finally {
      await s.close();
    }
  });
});

describe("--database", () => {
  test("takes only a PostgreSQL URL", () => {
    expect(() => loadConfig({ database: "mysql://db/quiver" }, {})).toThrow(
      /--database must be a PostgreSQL URL/,
    );
    expect(loadConfig({}, { QUIVER_DATABASE_URL: "postgres://db/quiver" }).databaseUrl).toBe(
      "postgres://db/quiver",
    );
    expect(loadConfig({}, {}).databaseUrl).toBeUndefined();
  });

  test("a database that cannot be reached is one line, without the password", async () => {
    const data = tempDir();
    dirs.push(data);
    const err = await openServices(
      loadConfig(
        { data, quiet: true, database: "postgres://quiver:s3cret@127.0.0.1:1/quiver" },
        {},
      ),
    ).catch((e) => e);
    expect(err.message).toStartWith(
      "cannot open the PostgreSQL database postgres://quiver:***@127.0.0.1:1/quiver: ",
    );
    expect(err.message).not.toContain("s3cret");
    expect(err.message).not.toContain("\n");
  });
});
