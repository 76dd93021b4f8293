import { loadConfig } from "../config.ts";
import { type ImportProgress, type ImportSummary, importTree } from "../importer/import-tree.ts";
import { openServices } from "../services.ts";
import { dataOptions, parse, UsageError } from "./args.ts";

export const indexHelp = `quiver index DIR [--prefix P/] [--data DIR] [--sync] [--include-hidden] [--json]

Imports a directory tree into the store; text files become searchable (quiver search).
  --prefix P/        logical path prefix for the imported files (default: none)
  --sync             also remove stored files under the prefix that are gone from DIR
                     (without --prefix: every stored file that is not in DIR)
  --include-hidden   import hidden files and directories (.name); .git and node_modules never are
  --max-import-file SIZE  skip files larger than this, e.g. 100MiB (default 1GiB;
                     env QUIVER_MAX_IMPORT_FILE)
  --json             print the summary as JSON
Incremental: files whose content is unchanged are skipped (content hash). Symbolic links
are never followed. Safe to run while a server uses the same data directory.`;

export async function indexCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...dataOptions,
      prefix: { type: "string" },
      sync: { type: "boolean" },
      "include-hidden": { type: "boolean" },
      "max-import-file": { type: "string" },
      json: { type: "boolean" },
    },
    true,
  );
  if (positionals.length !== 1)
    throw new UsageError(`index needs exactly one directory\n\n${indexHelp}`);
  const config = loadConfig({ data: values.data, "max-import-file": values["max-import-file"] });
  const services = await openServices(config, { create: true });
  const controller = new AbortController();
  // Ctrl-C: finish the batch in flight (it commits), then stop; nothing half-written.
  const onSigint = () => controller.abort();
  process.once("SIGINT", onSigint);
  try {
    const summary = await importTree(services.files, {
      root: positionals[0]!,
      prefix: values.prefix,
      sync: values.sync,
      includeHidden: values["include-hidden"],
      maxFileBytes: config.maxImportFileBytes,
      signal: controller.signal,
      onProgress: progressReporter(process.stderr),
    });
    process.stdout.write(
      values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary),
    );
    return summary.aborted ? 130 : 0;
  } finally {
    process.off("SIGINT", onSigint);
    await services.close();
  }
}

const MB = 1024 * 1024;
const mb = (bytes: number) => (bytes / MB).toFixed(1);

/** A redrawn bar on a terminal; otherwise a plain line at most once a second. */
export function progressReporter(
  out: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): unknown },
) {
  let last = 0;
  return (p: ImportProgress) => {
    const done = p.files_done === p.files_total;
    const now = performance.now();
    if (!done && now - last < (out.isTTY ? 100 : 1000)) return;
    last = now;
    const pct = p.bytes_total ? Math.floor((100 * p.bytes_done) / p.bytes_total) : 100;
    const text = `${p.files_done}/${p.files_total} files, ${mb(p.bytes_done)}/${mb(p.bytes_total)} MB`;
    if (out.isTTY) {
      const width = 30;
      const fill = Math.round((width * pct) / 100);
      out.write(
        `\r[${"#".repeat(fill)}${"-".repeat(width - fill)}] ${String(pct).padStart(3)}% ${text}\x1b[K${done ? "\n" : ""}`,
      );
    } else out.write(`indexing: ${pct}% ${text}\n`);
  };
}

export function formatSummary(s: ImportSummary): string {
  const rate = s.seconds > 0 ? s.bytes / MB / s.seconds : 0;
  const lines = [
    `${s.aborted ? "stopped early" : "done"}: ${s.files} ${s.files === 1 ? "file" : "files"}, ${mb(s.bytes)} MB in ${s.seconds.toFixed(2)} s (${rate.toFixed(1)} MB/s)`,
    `  added           ${s.added}`,
    `  updated         ${s.updated}`,
    `  unchanged       ${s.unchanged}`,
    `  skipped-binary  ${s.skipped_binary} (stored, not searchable)`,
    `  removed         ${s.removed}`,
  ];
  if (s.skipped) {
    lines.push(`  skipped         ${s.skipped}`);
    for (const k of s.skipped_list.slice(0, 20)) lines.push(`    ${k.rel}: ${k.reason}`);
    if (s.skipped > 20) lines.push(`    … and ${s.skipped - 20} more (--json lists up to 100)`);
  }
  return `${lines.join("\n")}\n`;
}
