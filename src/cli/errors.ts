import { ConfigError } from "../config.ts";
import { QuiverError, StartupError, storageError } from "../errors.ts";
import { isDamagedDatabase } from "../store/data-dir.ts";
import { UsageError } from "./args.ts";

/**
 * The CLI's one error renderer: an expected failure becomes one line on stderr and an
 * exit code (2: the command line is wrong; 1: it is right but quiver cannot do it).
 * Anything else is a bug and keeps its stack trace (undefined here).
 */
export function renderCliError(err: unknown): { line: string; exitCode: number } | undefined {
  if (err instanceof UsageError || err instanceof ConfigError)
    return { line: err.message, exitCode: 2 };
  if (err instanceof StartupError) return { line: err.message, exitCode: 1 };
  if (err instanceof QuiverError) return { line: err.message, exitCode: err.status < 500 ? 2 : 1 };
  if (isDamagedDatabase(err))
    return {
      line: `the database is damaged (${(err as Error).message}); run \`quiver check\` for details`,
      exitCode: 1,
    };
  const storage = storageError(err);
  if (storage) return { line: storage.message, exitCode: 1 };
  return undefined;
}
