import type { BlobStore } from "../../src/store/blobs.ts";
import type { FileStore } from "../../src/store/files.ts";

/**
 * The blob store inside a FileStore, for tests that damage blobs on purpose or inject
 * faults into its reads and writes. FileStore keeps it private so that nothing in src/
 * above the store can reach it (the importer gets FileStore.blobWriter, a write-only view);
 * TypeScript lets element access through `private`, which is the one door tests use.
 */
export function blobsOf(files: FileStore): BlobStore {
  // biome-ignore lint/complexity/useLiteralKeys: element access is what reaches a private member
  return files["blobs"];
}
