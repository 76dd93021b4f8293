import { accessSync, constants, existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { StartupError } from "../errors.ts";

/**
 * The data directory as found at start-up, checked before anything opens it, so that a
 * wrong `--data` is one line saying what to do instead of an SQLite or errno stack trace.
 */
export interface DataDir {
  path: string;
  /** Not writable (a read-only mount, an immutable directory): reads only, writes answer 503. */
  readOnly: boolean;
}

export const DATABASE_FILE = "quiver.db";

/**
 * `create`: make the directory and its database when missing (serve, mcp, index).
 * Without it the directory must already hold a quiver database: `quiver token create` in
 * the wrong directory must not quietly start a new, empty store.
 */
export function prepareDataDir(path: string, opts: { create: boolean }): DataDir {
  const database = join(path, DATABASE_FILE);
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path, { throwIfNoEntry: false });
  } catch (err) {
    throw new StartupError(
      `cannot use --data ${path} (${reason(err)}); choose a directory, or a path where one can be made`,
    );
  }
  if (stat && !stat.isDirectory())
    throw new StartupError(
      `the data directory ${path} is a file; give --data (or QUIVER_DATA) a directory that holds, or is to hold, quiver's data`,
    );
  if (!opts.create && !existsSync(database))
    throw new StartupError(
      `${path} holds no quiver database (no ${DATABASE_FILE}); pass --data with your data directory (default ./quiver-data, or QUIVER_DATA), or start quiver serve once to make one there`,
    );
  if (!stat) {
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new StartupError(
        `cannot create the data directory ${path} (${reason(err)}); create it yourself or choose another --data`,
      );
    }
  }
  const readOnly = !writable(path) || (existsSync(database) && !writable(database));
  if (readOnly && !existsSync(database))
    throw new StartupError(
      `the data directory ${path} is not writable and holds no quiver database yet; make it writable for the first start`,
    );
  return { path, readOnly };
}

/** access(2) also refuses root on a read-only mount (EROFS) or an immutable file (EPERM). */
function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function reason(err: unknown): string {
  const code = (err as { code?: string }).code;
  const known: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "not permitted",
    EROFS: "read-only file system",
    ENOENT: "no such file or directory",
    ENOTDIR: "a parent is a file",
    ENOSPC: "the disk is full",
  };
  return (code && known[code]) ?? code ?? String(err);
}

/** SQLite's words for a database file that is not (or no longer) a sound database. */
export function isDamagedDatabase(err: unknown): boolean {
  const code = String((err as { code?: string })?.code ?? "");
  return code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB";
}

/**
 * The one line for a database that does not open: damaged (pointing at what tells more),
 * or not openable at all (quiver.db is a directory, or this user may not read it).
 */
export function databaseOpenError(dataDir: string, err: unknown): StartupError | undefined {
  const file = join(dataDir, DATABASE_FILE);
  const message = (err as Error).message;
  if (isDamagedDatabase(err))
    return new StartupError(
      `the database ${file} is damaged (${message}); run \`quiver check --data ${shellWord(dataDir)}\` for details`,
      { cause: err },
    );
  if ((err as { code?: string })?.code === "SQLITE_CANTOPEN")
    return new StartupError(
      `cannot open the database ${file} (${message}); it must be a file this user may read and write`,
      { cause: err },
    );
  return undefined;
}

/** A path as it can be pasted into a shell. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", "'\\''")}'`;
}
