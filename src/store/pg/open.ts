import { SQL } from "bun";
import { PgFileStore } from "./files.ts";
import { PgJobQueue } from "./jobs.ts";
import { migrate } from "./migrate.ts";
import { PgSearchIndex } from "./search.ts";
import { PgSessionStore } from "./sessions.ts";
import { PgTokenStore } from "./tokens.ts";

/**
 * What quiver keeps on PostgreSQL, by concern; services.ts refuses to start a server whose
 * configuration needs a concern missing here (never a half-working server).
 */
export const PG_CONCERNS = ["files", "search", "jobs", "tokens", "sessions"] as const;
/** Concerns not on PostgreSQL yet, and the setting that needs each. */
export const PG_MISSING = { oauth: "--public-url (OAuth)" } as const;

export interface PgStores {
  files: PgFileStore;
  index: PgSearchIndex;
  jobs: PgJobQueue;
  tokens: PgTokenStore;
  sessions: PgSessionStore;
  close(): Promise<void>;
}

/** Connections per process: requests, the job worker's claims and LISTEN share them. */
const POOL = 10;

/**
 * Connects to `url` (postgres://…), brings the schema up to date under the migration
 * lock (migrate.ts) and returns the stores. Fails with the server's own words when the
 * database cannot be reached.
 */
export async function openPgStores(url: string, staticToken?: string): Promise<PgStores> {
  const sql = new SQL(url, { max: POOL, idleTimeout: 60, connectionTimeout: 10 });
  try {
    await migrate(sql);
  } catch (err) {
    await sql.close().catch(() => {});
    throw err;
  }
  const files = new PgFileStore(sql);
  return {
    files,
    index: new PgSearchIndex(sql),
    jobs: new PgJobQueue(sql),
    tokens: new PgTokenStore(sql, staticToken),
    sessions: new PgSessionStore(sql),
    async close() {
      await sql.close({ timeout: 5 });
    },
  };
}
