import type { Database } from "bun:sqlite";
import { ChangeFeed } from "./changes.ts";
import type { Config } from "./config.ts";
import { StartupError } from "./errors.ts";
import { logError } from "./log.ts";
import { skillWriteCheck } from "./skills/write-check.ts";
import type { Awaitable } from "./store/awaitable.ts";
import { BlobStore } from "./store/blobs.ts";
import { databaseOpenError, prepareDataDir } from "./store/data-dir.ts";
import { type ConnectionSettings, connectionSettings, openDatabase } from "./store/db.ts";
import { FileStore, MAX_INDEXED_TEXT_BYTES } from "./store/files.ts";
import type { OAuthStores } from "./store/interfaces/oauth.ts";
import type { Sessions } from "./store/interfaces/sessions.ts";
import type { Tokens } from "./store/interfaces/tokens.ts";
import { JobQueue } from "./store/jobs.ts";
import { ClientStore } from "./store/oauth-clients.ts";
import { CodeStore } from "./store/oauth-codes.ts";
import { GrantStore } from "./store/oauth-grants.ts";
import { ConsentPassword } from "./store/oauth-settings.ts";
import type { PgStores } from "./store/pg/open.ts";
import { SearchIndex } from "./store/search.ts";
import { DEFAULT_SESSION_LIMITS, SessionStore } from "./store/sessions.ts";
import { TokenStore } from "./store/tokens.ts";
import type { Services } from "./tools/define.ts";
import { builtinTools } from "./tools/registry.ts";

/**
 * The services, the token store, and how to close them. The database and the blob store
 * stay inside the store's classes: nothing above src/store/ gets to run SQL or touch blob
 * files (tests that inspect the database open their own connection).
 */
export interface OpenServices extends Services {
  tokens: Tokens;
  /** Browser sessions of the web console (src/web/session.ts decides what they mean). */
  sessions: Sessions;
  /** OAuth clients, grants and the consent password (issue 17; used when --public-url is set). */
  oauth: OAuthStores;
  /** The data directory cannot be written: reads work, writes answer 503 storage_unavailable. */
  readOnly: boolean;
  /**
   * Every store answers synchronously (SQLite): a hot path may then skip the `await` it
   * would need for PostgreSQL (the auth plugin does, once per request). Absent: assume not.
   */
  synchronous?: boolean;
  /**
   * Other processes' file changes reach `changes` by themselves (PostgreSQL: every replica,
   * and a job worker, announce theirs through the database), so a worker need not relay its own.
   */
  sharedChanges: boolean;
  close(): Awaitable<void>;
}

/**
 * The services on SQLite, with the concrete stores' types: tests and benches that inspect
 * them synchronously use this; everything in src/ sees only OpenServices.
 */
export interface SqliteServices extends OpenServices {
  files: FileStore;
  index: SearchIndex;
  jobs: JobQueue;
  tokens: TokenStore;
  sessions: SessionStore;
  oauth: { clients: ClientStore; codes: CodeStore; grants: GrantStore; password: ConsentPassword };
  /** The database connection's settings, read back (the durability tests check them). */
  settings(): ConnectionSettings;
  close(): void;
}

/**
 * Opens everything stateful, on the engine the configuration names. One call per process.
 * `create: false` (every command but serve, mcp and index) refuses a data directory that
 * holds no quiver database instead of starting an empty one there.
 */
export async function openServices(
  config: Config,
  opts: { create?: boolean } = {},
): Promise<OpenServices> {
  if (config.databaseUrl) return openPostgresServices(config);
  return openSqliteServices(config, opts);
}

/**
 * The services on PostgreSQL (`--database postgres://…`): every replica pointed at the
 * same database shares files, search, jobs, tokens, sessions and OAuth.
 */
async function openPostgresServices(config: Config): Promise<OpenServices> {
  // The data directory still holds what is not a store: the first-run admin.token.
  prepareDataDir(config.dataDir, { create: true });
  let stores: PgStores;
  try {
    // Loaded here, not at the top: importing it touches Bun.SQL, whose modules cost every
    // SQLite start-up (and every CLI command) a few milliseconds for nothing.
    const { openPgStores } = await import("./store/pg/open.ts");
    stores = await openPgStores(config.databaseUrl!, config.staticToken);
  } catch (err) {
    throw new StartupError(
      `cannot open the PostgreSQL database ${redactUrl(config.databaseUrl!)}: ${(err as Error).message}`,
    );
  }
  const changes = new ChangeFeed();
  // Changes made through the other replicas (or a job worker) arrive here too: an MCP
  // client subscribed to a file hears of it whichever replica wrote it.
  let sharedChanges = true;
  try {
    await stores.changes.listen((change) => changes.emit(change));
  } catch (err) {
    // A connection pooler in transaction mode has no LISTEN: changes stay per process.
    sharedChanges = false;
    logError("cannot LISTEN for other replicas' file changes; MCP clients hear only this one's", {
      error: err,
    });
  }
  stores.files.onChange = (change) => {
    changes.emit(change);
    if (sharedChanges) stores.changes.publish(change);
  };
  stores.files.checkWrite = skillWriteCheck(stores.files, config.skillsPrefix);
  return {
    config,
    files: stores.files,
    index: stores.index,
    jobs: stores.jobs,
    tokens: stores.tokens,
    sessions: stores.sessions,
    oauth: stores.oauth,
    readOnly: false,
    sharedChanges,
    tools: builtinTools,
    changes,
    close: () => stores.close(),
  };
}

/** A URL as it may be logged: without its password. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.href;
  } catch {
    return "(unparsable URL)";
  }
}

/** Opens the SQLite stores under the data directory (see openServices). */
export function openSqliteServices(
  config: Config,
  opts: { create?: boolean } = {},
): SqliteServices {
  const { readOnly } = prepareDataDir(config.dataDir, { create: opts.create ?? true });
  let db: Database | undefined;
  try {
    db = openDatabase(config.dataDir, { readOnly });
    const blobs = new BlobStore(config.dataDir);
    const index = new SearchIndex(db, { readOnly });
    const files = new FileStore(db, blobs, index);
    // Indexing what is not yet indexed is a write: a read-only store searches what it has.
    if (!readOnly) index.backfill((hash) => blobs.readSync(hash), MAX_INDEXED_TEXT_BYTES);
    return assemble(config, db, files, index, readOnly);
  } catch (err) {
    db?.close(false);
    throw databaseOpenError(config.dataDir, err) ?? err;
  }
}

function assemble(
  config: Config,
  db: Database,
  files: FileStore,
  index: SearchIndex,
  readOnly: boolean,
): SqliteServices {
  const tokens = new TokenStore(db, config.staticToken);
  const grants = new GrantStore(db);
  tokens.onGrantUse = (grantId, now) => grants.touch(grantId, now);
  const changes = new ChangeFeed();
  files.onChange = (change) => changes.emit(change);
  files.checkWrite = skillWriteCheck(files, config.skillsPrefix);
  return {
    config,
    files,
    index,
    tokens,
    sessions: new SessionStore(db, DEFAULT_SESSION_LIMITS, readOnly),
    oauth: {
      clients: new ClientStore(db),
      codes: new CodeStore(db, grants),
      grants,
      password: new ConsentPassword(db),
    },
    readOnly,
    synchronous: true,
    sharedChanges: false,
    jobs: new JobQueue(db),
    tools: builtinTools,
    changes,
    settings: () => connectionSettings(db),
    close() {
      index.close();
      db.close(false);
    },
  };
}
