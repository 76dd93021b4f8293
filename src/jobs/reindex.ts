import { decodeText } from "../store/content.ts";
import { MAX_INDEXED_TEXT_BYTES } from "../store/files.ts";
import type { JobKind } from "./kinds.ts";

const BATCH = 200;

/**
 * Rebuilds the search passages of every stored text file from its bytes (after a
 * tokenizer or chunking change, or to repair the index). Each batch replaces its files'
 * passages in one transaction, so a canceled or crashed rebuild leaves every file with
 * either its old or its new passages, never none or both.
 */
export const reindexJob: JobKind = {
  kind: "reindex",
  async run(_params, ctx) {
    const { files, index } = ctx.services;
    const total = await files.textFileCount();
    let done = 0;
    let after = 0;
    for (;;) {
      const page = await files.textFilesAfter(after, BATCH);
      if (page.length === 0) break;
      const batch = [];
      for (const f of page) {
        if (f.size > MAX_INDEXED_TEXT_BYTES) continue;
        try {
          batch.push({
            id: f.id,
            path: f.path,
            text: decodeText(await files.bytesOf(f.hash)),
          });
        } catch {
          // bytes missing: quiver check reports it; the file keeps its old passages
        }
      }
      await index.replace(batch);
      after = page[page.length - 1]!.id;
      done += page.length;
      await ctx.checkpoint(done, total);
    }
    const dropped = await index.dropOrphans();
    return { files: done, passages: await index.passageCount(), orphan_passages_dropped: dropped };
  },
};
