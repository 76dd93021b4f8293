import type { Database } from "bun:sqlite";
import type { Config } from "./config.ts";
import { BlobStore } from "./store/blobs.ts";
import { openDatabase } from "./store/db.ts";
import { FileStore, MAX_INDEXED_TEXT_BYTES } from "./store/files.ts";
import { JobQueue } from "./store/jobs.ts";
import { SearchIndex } from "./store/search.ts";
import { TokenStore } from "./store/tokens.ts";
import type { Services } from "./tools/define.ts";
import { builtinTools } from "./tools/registry.ts";

export interface OpenServices extends Services {
  db: Database;
  tokens: TokenStore;
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
    db,
    files,
    index,
    tokens,
    jobs: new JobQueue(db),
    tools: builtinTools,
    close() {
      index.close();
      db.close(false);
    },
  };
}
