import { constants, Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { StartupError } from "../errors.ts";
import { restoreAbandonedBulkLoad } from "./bulk-load.ts";
import { migrations } from "./migrations.ts";

/**
 * Opens `<data>/quiver.db` with the pragmas every connection needs.
 *
 * Durability, chosen deliberately: WAL with `synchronous=FULL` — every commit is fsynced
 * before it returns. A committed write survives both a process crash and a power loss.
 * (NORMAL would survive a process crash but could lose the last commits on power loss.)
 * Bulk work (imports) batches many rows per transaction instead of weakening this.
 *
 * `busy_timeout` lets a second process (the CLI's `quiver index` while a server runs)
 * wait for the write lock instead of failing at once. It is set FIRST: switching a new
 * database to WAL takes a lock, and two processes opening a new data directory at once
 * (two `token create`, two `serve`) made one fail with "database is locked" when the
 * timeout came after it.
 */
export function openDatabase(dataDir: string, opts: { readOnly?: boolean } = {}): Database {
  if (opts.readOnly) return openReadOnly(join(dataDir, "quiver.db"));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataDir, "quiver.db"), { create: true, strict: true });
  db.run("PRAGMA busy_timeout = 10000");
  switchToWal(db);
  db.run("PRAGMA synchronous = FULL");
  db.run("PRAGMA foreign_keys = ON");
  checkSettings(db);
  migrate(db);
  restoreAbandonedBulkLoad(db);
  return db;
}

/**
 * A data directory that cannot be written (read-only mount): serve reads, and let every
 * write fail with SQLITE_READONLY (503 storage_unavailable). A WAL database opens
 * read-only while its -wal and -shm files exist (after a crash); after a clean stop they
 * are gone and cannot be created here, and then `immutable=1` reads the file alone,
 * which is then the whole database.
 */
function openReadOnly(file: string): Database {
  let db: Database;
  try {
    db = new Database(file, { readonly: true, strict: true });
    db.run("PRAGMA busy_timeout = 10000");
    db.query("PRAGMA user_version").get();
  } catch (err) {
    if ((err as { code?: string }).code !== "SQLITE_CANTOPEN") throw err;
    const uri = `file:${encodeURI(file).replaceAll("?", "%3F").replaceAll("#", "%23")}?immutable=1`;
    // Only the numeric flags can ask for URI parsing (the store binds positional
    // parameters only, so `strict` is not needed here).
    db = new Database(uri, constants.SQLITE_OPEN_READONLY | constants.SQLITE_OPEN_URI);
  }
  const version = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (version !== migrations.length)
    throw new StartupError(
      `the database in ${file} needs an upgrade (schema ${version}, this quiver has ${migrations.length}), which a read-only data directory cannot take; make it writable once`,
    );
  return db;
}

/**
 * Read back, not assumed: a PRAGMA SQLite ignores (a journal mode it cannot take on this
 * filesystem, a setting made inside a transaction) would otherwise leave every commit less
 * durable than this file says, silently.
 */
function checkSettings(db: Database): void {
  const value = (pragma: string) =>
    Object.values(db.query(`PRAGMA ${pragma}`).get() as Record<string, unknown>)[0];
  const wanted: [string, unknown][] = [
    ["journal_mode", "wal"],
    ["synchronous", 2], // FULL
    ["busy_timeout", 10000],
    ["foreign_keys", 1],
  ];
  for (const [pragma, want] of wanted) {
    const got = value(pragma);
    if (got !== want)
      throw new Error(`SQLite did not take PRAGMA ${pragma} = ${want} (it is ${got})`);
  }
}

/**
 * The busy timeout covers most of the switch, but SQLite does not call the busy handler
 * where waiting could deadlock (this connection holds a shared lock the other needs
 * gone), so a "database is locked" can still come back at once: about 1 open in 360 when
 * six threads open one new database together. Retried here for up to the same 10 s.
 */
function switchToWal(db: Database): void {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      db.run("PRAGMA journal_mode = WAL");
      return;
    } catch (err) {
      const busy = (err as { code?: string }).code?.startsWith("SQLITE_BUSY");
      if (!busy || Date.now() > deadline) throw err;
      Bun.sleepSync(5 + Math.random() * 20);
    }
  }
}

function migrate(db: Database): void {
  const current = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  if (current > migrations.length)
    throw new Error(
      `database schema version ${current} is newer than this quiver (${migrations.length}); upgrade quiver`,
    );
  for (let v = current; v < migrations.length; v++) {
    // IMMEDIATE takes the write lock first, so two processes starting at once cannot both
    // apply the same migration.
    db.transaction(() => {
      const now = (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
      if (now > v) return;
      db.run(migrations[v]!);
      db.run(`PRAGMA user_version = ${v + 1}`);
    }).immediate();
  }
}

export interface ConnectionSettings {
  journal_mode: string;
  /** 2 is FULL. */
  synchronous: number;
  busy_timeout: number;
}

/** A connection's settings, read back from SQLite (not from what we meant to set). */
export function connectionSettings(db: Database): ConnectionSettings {
  const get = (pragma: string) => Object.values(db.query(`PRAGMA ${pragma}`).get() as object)[0];
  return {
    journal_mode: get("journal_mode") as string,
    synchronous: get("synchronous") as number,
    busy_timeout: get("busy_timeout") as number,
  };
}
