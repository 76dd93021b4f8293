import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type PgCluster, requirePostgres, startPostgres } from "./support/postgres.ts";

// The throwaway cluster the PostgreSQL tests run against: it starts, answers SQL through
// Bun.sql, gives each caller a database of its own, and goes away.
const run = requirePostgres();
let cluster: PgCluster;
beforeAll(async () => {
  if (run) cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.stop();
});

describe.if(run)("test PostgreSQL cluster", () => {
  test("answers through Bun.sql on loopback, with a database per caller", async () => {
    const first = await cluster.createDatabase();
    const second = await cluster.createDatabase();
    expect(first).not.toBe(second);
    const a = new Bun.SQL(first);
    const b = new Bun.SQL(second);
    try {
      await a`CREATE TABLE t (v text)`;
      await a`INSERT INTO t VALUES (${"hello"})`;
      expect(await a`SELECT v FROM t`).toEqual([{ v: "hello" }]);
      // The other database does not see it.
      const [{ n }] = await b`SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 't'`;
      expect(n).toBe(0);
      const [{ addr }] = await a`SELECT inet_server_addr()::text AS addr`;
      expect(addr).toBe("127.0.0.1/32");
    } finally {
      await a.close();
      await b.close();
    }
  });

  test("two clusters at once get different ports", async () => {
    const other = await startPostgres();
    try {
      expect(other.port).not.toBe(cluster.port);
      const sql = new Bun.SQL(other.url);
      expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
      await sql.close();
    } finally {
      await other.stop();
    }
  });
});
