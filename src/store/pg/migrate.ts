import type { SQL } from "bun";
import { pgMigrations } from "./migrations.ts";

/** Any constant: every quiver replica takes the same lock (pg_advisory_lock's key space). */
const MIGRATION_LOCK = 0x71756976; // "quiv"

/**
 * Brings the schema up to date. Under a session advisory lock, so replicas starting at
 * once migrate one after another: the second finds the work done. Each migration commits
 * with its version, so an interrupted upgrade resumes at the next open.
 */
export async function migrate(sql: SQL): Promise<number> {
  const conn = await sql.reserve();
  try {
    await conn`SELECT pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await conn`CREATE TABLE IF NOT EXISTS quiver_schema (version integer NOT NULL)`;
      const rows = await conn`SELECT version FROM quiver_schema`;
      let current = rows.length ? Number(rows[0].version) : 0;
      if (!rows.length) await conn`INSERT INTO quiver_schema (version) VALUES (0)`;
      if (current > pgMigrations.length)
        throw new Error(
          `database schema version ${current} is newer than this quiver (${pgMigrations.length}); upgrade quiver`,
        );
      for (; current < pgMigrations.length; current++) {
        const next = current + 1;
        await conn.begin(async (tx) => {
          await tx.unsafe(pgMigrations[current]!);
          await tx`UPDATE quiver_schema SET version = ${next}`;
        });
      }
      return current;
    } finally {
      await conn`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    conn.release();
  }
}
