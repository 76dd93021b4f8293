import type { Config } from "./config.ts";
import { BlobStore } from "./store/blobs.ts";
import { type ConnectionSettings, connectionSettings, openDatabase } from "./store/db.ts";
import { FileStore, MAX_INDEXED_TEXT_BYTES } from "./store/files.ts";
import { JobQueue } from "./store/jobs.ts";
import { SearchIndex } from "./store/search.ts";
import { TokenStore } from "./store/tokens.ts";
import type { Services } from "./tools/define.ts";
import { builtinTools } from "./tools/registry.ts";

/**
 * The services, the token store, and how to close them. The database and the blob store
 * stay inside the store's classes: nothing above src/store/ gets to run SQL or touch blob
 * files (tests that inspect the database open their own connection).
 */
export interface OpenServices extends Services {
  tokens: TokenStore;
  /** The database connection's settings, read back (the durability tests check them). */
  settings(): ConnectionSettings;
  close(): void;
}

/** Opens everything stateful under the data directory. One call per process. */
export function openServices(config: Config): OpenServices {
  const db = openDatabase(config.dataDir);
  const blobs = new BlobStore(config.dataDir);
  const index = new SearchIndex(db);
  const files = new FileStore(db, blobs, index);
  index.backfill((hash) => blobs.readSync(hash), MAX_INDEXED_TEXT_BYTES);
  const tokens = new TokenStore(db, config.staticToken);
  return {
    config,
    files,
    index,
    tokens,
    jobs: new JobQueue(db),
    tools: builtinTools,
    settings: () => connectionSettings(db),
    close() {
      db.close(false);
    },
  };
}
