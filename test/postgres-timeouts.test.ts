import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { loadConfig } from "../src/config.ts";
import { type OpenServices, openServices } from "../src/services.ts";
import { type PgCluster, requirePostgres, startPostgres } from "./support/postgres.ts";
import { tempDir, toolCaller } from "./support/services.ts";

// Issue 12's rule on PostgreSQL: a write tool that timed out must not take effect
// afterwards. The DELETE is held up by a row lock another connection keeps until the call
// has answered 504; when the lock goes, the delete must roll back, not commit.
const run = requirePostgres();
let cluster: PgCluster;
let services: OpenServices;
let data: string;
beforeAll(async () => {
  if (!run) return;
  cluster = await startPostgres();
  data = tempDir();
  const database = await cluster.createDatabase();
  services = await openServices(
    loadConfig({ data, quiet: true, database, "tool-timeout": "0.3" }, {}),
  );
});
afterAll(async () => {
  await services?.close();
  await cluster?.stop();
  if (data) rmSync(data, { recursive: true, force: true });
});

describe.if(run)("tool timeouts on PostgreSQL", () => {
  test("a delete_file that times out leaves the file in place", async () => {
    const call = toolCaller(services);
    await call("write_file", { path: "keep/me.txt", content: "still here\n" });
    const url = (services.config as { databaseUrl: string }).databaseUrl;
    const locker = new Bun.SQL(url, { max: 1 });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = locker.begin(async (tx) => {
      await tx`SELECT id FROM files WHERE path = ${"keep/me.txt"} FOR UPDATE`;
      locked();
      await released;
    });
    await isLocked;
    const error = await call("delete_file", { path: "keep/me.txt" }).catch((e) => e);
    expect(error.status).toBe(504);
    expect(error.code).toBe("tool_timeout");
    release();
    await holding;
    await locker.close();
    // The DELETE that waited for the lock goes on now: wait until its transaction has
    // ended (committed or rolled back), then look.
    const watcher = new Bun.SQL(url, { max: 1 });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [{ n }] = await watcher`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE state <> 'idle' AND query LIKE 'DELETE FROM files%' AND pid <> pg_backend_pid()`;
      if (n === 0 || Date.now() > deadline) break;
      await Bun.sleep(20);
    }
    await watcher.close();
    const read = await call("read_file", { path: "keep/me.txt" });
    expect(read.content).toContain("still here");
  });
});
