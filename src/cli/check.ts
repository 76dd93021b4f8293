import { loadConfig } from "../config.ts";
import { openServices } from "../services.ts";
import { checkStore } from "../store/check.ts";
import { dataOptions, parse } from "./args.ts";

export const checkHelp = `quiver check [--repair] [--fast] [--data DIR] [--json]

Checks the data directory: every file's bytes are present and hash to their SHA-256;
no blob without a file; no stale temp files. --repair drops files whose bytes are gone
or corrupt (they cannot be recovered), deletes orphan blobs and stale temp files, and
keeps everything healthy. --fast skips re-hashing. Exit code 1 when problems remain.`;

export async function check(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    ...dataOptions,
    repair: { type: "boolean" },
    fast: { type: "boolean" },
    json: { type: "boolean" },
  });
  const services = openServices(loadConfig({ data: values.data }));
  try {
    const report = await checkStore(services.files, {
      repair: !!values.repair,
      verifyHashes: !values.fast,
    });
    const problems =
      report.missing_blobs.length +
      report.corrupt_blobs.length +
      report.orphan_blobs +
      report.stale_temp_files;
    if (values.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      const out = (s: string) => process.stdout.write(`${s}\n`);
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
    return problems === 0 || report.repaired ? 0 : 1;
  } finally {
    services.close();
  }
}
