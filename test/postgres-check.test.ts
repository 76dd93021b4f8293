import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { loadConfig } from "../src/config.ts";
import { openServices } from "../src/services.ts";
import { CHUNK_BYTES } from "../src/store/pg/blobs.ts";
import { runCli } from "./support/cli.ts";
import { type PgCluster, requirePostgres, startPostgres } from "./support/postgres.ts";
import { tempDir } from "./support/services.ts";

// Issue 19: `quiver check` on PostgreSQL re-verifies what it stores, as on SQLite: a file
// whose chunks no longer hash to its name is reported (exit 1) and --repair drops it.
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

describe.if(run)("quiver check on PostgreSQL", () => {
  test("a chunk changed in the database is corrupt bytes, exit 1; --repair drops that file only", async () => {
    const url = await cluster.createDatabase();
    const data = tempDir();
    dirs.push(data);
    const s = await openServices(loadConfig({ data, quiet: true, database: url }, {}));
    // Three chunks, so the damage is in the middle of a file, not at its start.
    const big = new Uint8Array(CHUNK_BYTES * 2 + 100).fill(97);
    await s.files.put("data/big.bin", [big]);
    await s.files.put("data/ok.md", [new TextEncoder().encode("# Fine\n\nUntouched.\n")]);
    const hash = (await s.files.require("data/big.bin")).sha256;
    await s.close();
    const env = { QUIVER_DATABASE_URL: url };
    const clean = runCli(["check", "--data", data], { env });
    expect(clean.out).toBe("checked 2 files\nok\n");
    expect(clean.code).toBe(0);

    const sql = new Bun.SQL(url);
    await sql`UPDATE blob_chunks SET data = overlay(data placing '\\x00'::bytea from 10)
      WHERE blob = ${hash} AND seq = 1`;
    const found = runCli(["check", "--data", data], { env });
    expect(found.out).toBe(
      "checked 2 files\ncorrupt bytes: data/big.bin\nproblems found; run quiver check --repair to fix them\n",
    );
    expect(found.code).toBe(1);
    // --fast does not re-hash: it does not see the damage.
    expect(runCli(["check", "--fast", "--data", data], { env }).code).toBe(0);

    const repaired = runCli(["check", "--repair", "--data", data], { env });
    expect(repaired.out).toContain("corrupt bytes: data/big.bin (dropped)");
    expect(repaired.code).toBe(0);
    const paths = await sql`SELECT path FROM files ORDER BY path`;
    expect(paths.map((r: { path: string }) => r.path)).toEqual(["data/ok.md"]);
    const [{ n }] = await sql`SELECT count(*)::int AS n FROM blob_chunks WHERE blob = ${hash}`;
    expect(n).toBe(0);
    await sql.close();
    expect(runCli(["check", "--data", data], { env }).code).toBe(0);
  }, 60_000);

  test("a lost chunk is corrupt bytes too", async () => {
    const url = await cluster.createDatabase();
    const data = tempDir();
    dirs.push(data);
    const s = await openServices(loadConfig({ data, quiet: true, database: url }, {}));
    await s.files.put("data/two.bin", [new Uint8Array(CHUNK_BYTES + 1).fill(1)]);
    const hash = (await s.files.require("data/two.bin")).sha256;
    await s.close();
    const sql = new Bun.SQL(url);
    await sql`DELETE FROM blob_chunks WHERE blob = ${hash} AND seq = 1`;
    await sql.close();
    const json = runCli(["check", "--json", "--data", data], { env: { QUIVER_DATABASE_URL: url } });
    expect(JSON.parse(json.out)).toMatchObject({ files: 1, corrupt_blobs: ["data/two.bin"] });
    expect(json.code).toBe(1);
  }, 60_000);
});
