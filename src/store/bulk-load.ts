import type { Database } from "bun:sqlite";
import { logError } from "../log.ts";
import { ftsBulkSettings } from "./search.ts";

/**
 * Settings for the length of an import, restored after. None touches durability (every
 * commit is still fsynced), nor results: a 64 MB page cache keeps the FTS5 segments
 * being merged in memory instead of re-reading them, and a checkpoint every ~40 MB of WAL
 * instead of every 4 MB copies pages that later commits rewrite (FTS5 structure, b-tree
 * interiors) to the database file fewer times. Measured on the benchmark corpus, together
 * with 1,000-file batches: ~25% fewer bytes written, half the read syscalls. And the
 * search index's bulk-load settings (ftsBulkSettings: bigger, later-merged FTS5 segments).
 *
 * The page cache and checkpoint interval belong to the connection and die with it; the
 * FTS5 settings are stored in the database and outlive a killed import (they stuck, even
 * through later clean runs, which took them for the normal ones). So the normal values are
 * recorded (table bulk_load) before the bulk ones are applied, kept by a second import
 * that starts meanwhile, and put back by the import's end — or, when the importing
 * process is gone, by the next open of the database (restoreAbandonedBulkLoad).
 */
export function beginBulkLoad(db: Database, fts: boolean): () => void {
  const cache = (db.query("PRAGMA cache_size").get() as { cache_size: number }).cache_size;
  const ckpt = (db.query("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number })
    .wal_autocheckpoint;
  db.run("PRAGMA cache_size = -65536");
  db.run("PRAGMA wal_autocheckpoint = 10000");
  if (fts) {
    db.transaction(() => {
      db.run(
        `INSERT INTO bulk_load (id, owner_pid, automerge, hashsize, started_at)
         VALUES (1, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
        [
          process.pid,
          ftsSetting(db, "automerge", 4),
          ftsSetting(db, "hashsize", 1 << 20),
          Date.now(),
        ],
      );
      ftsBulkSettings(db); // its own restore would put back what it found: not used
    }).immediate();
  }
  return () => {
    if (fts) restoreRecorded(db);
    db.run(`PRAGMA cache_size = ${cache}`);
    db.run(`PRAGMA wal_autocheckpoint = ${ckpt}`);
  };
}

/** At open: an import killed mid-way left its bulk settings; its process is gone. */
export function restoreAbandonedBulkLoad(db: Database): void {
  const row = db.query("SELECT owner_pid FROM bulk_load WHERE id = 1").get() as {
    owner_pid: number;
  } | null;
  if (row && !processAlive(row.owner_pid)) restoreRecorded(db);
}

function restoreRecorded(db: Database): void {
  try {
    db.transaction(() => {
      const row = db.query("SELECT automerge, hashsize FROM bulk_load WHERE id = 1").get() as {
        automerge: number;
        hashsize: number;
      } | null;
      if (!row) return; // another import's end put them back already
      setFts(db, "automerge", row.automerge);
      setFts(db, "hashsize", row.hashsize);
      db.run("DELETE FROM bulk_load WHERE id = 1");
    }).immediate();
  } catch (err) {
    // Only speed depends on these; the import's own outcome (or error) must not be masked.
    logError("could not restore the search index's merge settings after an import", {
      error: err,
    });
  }
}

function ftsSetting(db: Database, key: string, fallback: number): number {
  const row = db.query("SELECT v FROM passages_fts_config WHERE k = ?").get(key) as {
    v: number;
  } | null;
  return row?.v ?? fallback;
}

function setFts(db: Database, key: "automerge" | "hashsize", value: number): void {
  db.run(`INSERT INTO passages_fts(passages_fts, rank) VALUES('${key}', ?)`, [Math.trunc(value)]);
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
}
