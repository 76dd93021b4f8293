import { SQL } from "bun";
import { PgChangeRelay } from "./changes.ts";
import { PgFileStore } from "./files.ts";
import { PgJobQueue } from "./jobs.ts";
import { migrate } from "./migrate.ts";
import { PgClientStore, PgConsentPassword } from "./oauth-clients.ts";
import { PgCodeStore } from "./oauth-codes.ts";
import { PgGrantStore } from "./oauth-grants.ts";
import { PgSearchIndex } from "./search.ts";
import { PgSessionStore } from "./sessions.ts";
import { PgTokenStore } from "./tokens.ts";

export interface PgStores {
  files: PgFileStore;
  index: PgSearchIndex;
  jobs: PgJobQueue;
  tokens: PgTokenStore;
  /** File changes shared with the other replicas (LISTEN/NOTIFY). */
  changes: PgChangeRelay;
  sessions: PgSessionStore;
  oauth: {
    clients: PgClientStore;
    codes: PgCodeStore;
    grants: PgGrantStore;
    password: PgConsentPassword;
  };
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
  const tokens = new PgTokenStore(sql, staticToken);
  const grants = new PgGrantStore(sql);
  tokens.onGrantUse = (grantId, now) => grants.touch(grantId, now);
  const changes = new PgChangeRelay(sql);
  return {
    files: new PgFileStore(sql),
    changes,
    index: new PgSearchIndex(sql),
    jobs: new PgJobQueue(sql),
    tokens,
    sessions: new PgSessionStore(sql),
    oauth: {
      clients: new PgClientStore(sql),
      codes: new PgCodeStore(sql, grants),
      grants,
      password: new PgConsentPassword(sql),
    },
    async close() {
      await changes.close();
      await sql.close({ timeout: 5 });
    },
  };
}
