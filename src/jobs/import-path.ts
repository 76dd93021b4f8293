import { importTree } from "../importer/import-tree.ts";
import { resolveImportPath } from "../importer/roots.ts";
import { holdForTests } from "../test-build.ts";
import type { JobKind } from "./kinds.ts";

/**
 * Imports a server directory into the store: the same importTree as `quiver index`.
 * Idempotent (unchanged files are skipped by content hash), so a retry or a resumed run
 * after a crash converges on the same end state as one clean run.
 */
export const importJob: JobKind = {
  kind: "import",
  async run(params, ctx) {
    // Checked again here: the roots may have changed since the job was enqueued.
    const root = resolveImportPath(String(params.path), ctx.services.config.importRoots);
    const summary = await importTree(ctx.services.files, {
      root,
      rootReal: root,
      maxFileBytes: ctx.services.config.maxImportFileBytes,
      prefix: typeof params.prefix === "string" ? params.prefix : undefined,
      sync: params.sync === true,
      signal: ctx.signal,
      checkpoint: async (p) => {
        await ctx.checkpoint(p.files_done, p.files_total, p.current);
        await holdForTests(ctx.services.config.testHoldJobsFile, ctx.signal);
      },
      // In this (low-priority) process's own thread: a background import must not take the
      // core the HTTP server answers on, and the second thread would double its peak memory
      // (~450 vs ~230 MiB importing the 55 MB benchmark corpus). `quiver index`, run when
      // someone wants the import done now, uses both cores.
      worker: false,
    });
    const { skipped_list, ...rest } = summary;
    return { ...rest, skipped_examples: skipped_list.slice(0, 10) };
  },
};
