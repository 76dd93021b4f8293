import { loadConfig } from "../config.ts";
import { StartupError } from "../errors.ts";
import { type OpenServices, openServices } from "../services.ts";
import type { CheckReport } from "../store/check.ts";
import { DATABASE_FILE, isDamagedDatabase } from "../store/data-dir.ts";
import { dataOptions, parse } from "./args.ts";

export const checkHelp = `quiver check [--repair] [--fast] [--data DIR] [--json]

Checks the data directory: the database is sound (SQLite's integrity check); every file's
bytes are present and hash to their SHA-256; no blob without a file; no stale temp files.
--repair drops files whose bytes are gone or corrupt (they cannot be recovered), deletes
orphan blobs and stale temp files, and keeps everything healthy. A damaged database is
reported, not repaired: restore quiver.db from a backup. --fast skips re-hashing and runs
the quicker database check. Exit code 1 when problems remain.`;

const RESTORE =
  "quiver check cannot repair the database itself: restore quiver.db from a backup (the bytes under blobs/ are named by their SHA-256 and stay usable)";

export async function check(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...dataOptions,
    repair: { type: "boolean" },
    fast: { type: "boolean" },
    json: { type: "boolean" },
  });
  const config = loadConfig({ data: values.data });
  const out = (s: string) => process.stdout.write(`${s}\n`);
  let services: OpenServices;
  try {
    services = await openServices(config, { create: false });
  } catch (err) {
    // The one thing check exists for must not end in the error it is meant to explain.
    const cause = err instanceof StartupError ? (err.cause ?? err) : err;
    const damaged = isDamagedDatabase(cause);
    if (!damaged && (cause as { code?: string }).code !== "SQLITE_CANTOPEN") throw err;
    const problem = `${DATABASE_FILE} cannot be opened: ${(cause as Error).message}`;
    if (values.json) out(JSON.stringify({ database: [problem], repaired: false }, null, 2));
    else if (damaged) out(`database damaged: ${problem}\n${RESTORE}`);
    else out(`database unusable: ${(err as Error).message}`);
    return 1;
  }
  try {
    if (values.repair && services.readOnly)
      throw new StartupError(
        `the data directory ${config.dataDir} is not writable, so it cannot be repaired; run quiver check without --repair, or make it writable`,
      );
    const report = await services.files.check({
      repair: !!values.repair,
      verifyHashes: !values.fast,
    });
    const problems =
      report.database.length +
      report.missing_blobs.length +
      report.corrupt_blobs.length +
      report.orphan_blobs +
      report.stale_temp_files;
    if (values.json) out(JSON.stringify(report, null, 2));
    else printReport(report, problems, out);
    return problems === 0 || report.repaired ? 0 : 1;
  } finally {
    await services.close();
  }
}

function printReport(report: CheckReport, problems: number, out: (s: string) => void): void {
  if (report.database.length) {
    for (const line of report.database) out(`database damaged: ${line}`);
    out(RESTORE);
    return;
  }
  out(`checked ${report.files} files`);
  for (const p of report.missing_blobs)
    out(`missing bytes: ${p}${report.repaired ? " (dropped)" : ""}`);
  for (const p of report.corrupt_blobs)
    out(`corrupt bytes: ${p}${report.repaired ? " (dropped)" : ""}`);
  if (report.orphan_blobs)
    out(`orphan blobs: ${report.orphan_blobs}${report.repaired ? " (deleted)" : ""}`);
  if (report.stale_temp_files)
    out(`stale temp files: ${report.stale_temp_files}${report.repaired ? " (deleted)" : ""}`);
  out(
    problems === 0
      ? "ok"
      : report.repaired
        ? "repaired"
        : "problems found; run quiver check --repair to fix them",
  );
}
