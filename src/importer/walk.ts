import {
  closeSync,
  constants,
  existsSync,
  lstatSync,
  openSync,
  readdirSync,
  realpathSync,
} from "node:fs";
import { join } from "node:path";

/** A regular file found under the import root. */
export interface FoundFile {
  /** Relative to the root, "/"-separated. */
  rel: string;
  abs: string;
  size: number;
  /** Its identity when walked: the file later read must be this one (open-file.ts). */
  dev: number;
  ino: number;
}

export interface Skipped {
  rel: string;
  reason: string;
}

/** Never imported: version-control internals and dependency trees are not documents. */
export const ALWAYS_SKIPPED = new Set([".git", "node_modules"]);

/** Deeper than this is a loop or an attack (paths are at most 1024 bytes anyway). */
const MAX_DEPTH = 256;

// Where the kernel names an open descriptor: a directory read through it is the directory
// opened, whatever its path has become since. Linux (and containers) have it.
const FD_DIR = "/proc/self/fd";
const HAVE_FD_DIR = existsSync(FD_DIR);

/**
 * Lists the regular files under `root`, sorted by path so runs are deterministic.
 * Symbolic links are never followed (neither to files nor to directories): following them
 * could leave the imported root or loop, and a link's target is imported through its own
 * path if it lies inside the root anyway. Hidden entries (".name") are skipped unless
 * `includeHidden`; `.git` and `node_modules` always are.
 *
 * A directory swapped for a link while the walk runs is not descended into either: each
 * directory is opened with O_NOFOLLOW through its parent's open descriptor
 * (/proc/self/fd/N/name, so no path component is resolved again) and read through its own.
 * Without /proc, its identity is compared before and after it is read.
 */
export function walkTree(
  root: string,
  includeHidden: boolean,
  /** The root's real path, when it was checked against import roots: it must still be that. */
  rootReal?: string,
  /** false: walk by path, as where /proc is missing (tests compare the two). */
  viaFds = HAVE_FD_DIR,
): { files: FoundFile[]; skipped: Skipped[] } {
  const files: FoundFile[] = [];
  const skipped: Skipped[] = [];
  const unreadable = (rel: string, err: unknown) =>
    skipped.push({
      rel: rel || ".",
      reason: `unreadable (${(err as NodeJS.ErrnoException).code ?? "error"})`,
    });

  /** `dir`: where to read the directory (an fd path or its own); `absDir`: its real name. */
  const visit = (dir: string, absDir: string, relDir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      unreadable(relDir, err);
      return;
    }
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const rel = relDir ? `${relDir}/${name}` : name;
      if (ALWAYS_SKIPPED.has(name)) continue;
      if (name.startsWith(".") && !includeHidden) continue;
      const at = join(dir, name);
      let st: ReturnType<typeof lstatSync>;
      try {
        st = lstatSync(at);
      } catch (err) {
        unreadable(rel, err);
        continue;
      }
      if (st.isSymbolicLink()) skipped.push({ rel, reason: "symbolic link (not followed)" });
      else if (st.isDirectory()) {
        if (depth >= MAX_DEPTH) skipped.push({ rel, reason: `deeper than ${MAX_DEPTH} levels` });
        else enter(at, join(absDir, name), rel, depth + 1, st);
      } else if (st.isFile())
        files.push({ rel, abs: join(absDir, name), size: st.size, dev: st.dev, ino: st.ino });
      else skipped.push({ rel, reason: "not a regular file" });
    }
  };

  const enter = (
    at: string,
    absDir: string,
    rel: string,
    depth: number,
    seen: { dev: number; ino: number },
    isRoot = false,
  ) => {
    if (!viaFds) {
      visit(at, absDir, rel, depth);
      const after = safeLstat(at);
      if (!after?.isDirectory() || after.dev !== seen.dev || after.ino !== seen.ino)
        skipped.push({ rel, reason: "directory replaced while being read (not imported)" });
      return;
    }
    let fd: number;
    try {
      // The root itself may be a link the caller named (it was resolved and checked).
      const noFollow = isRoot ? 0 : constants.O_NOFOLLOW;
      fd = openSync(at, constants.O_RDONLY | constants.O_DIRECTORY | noFollow);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ELOOP" || code === "ENOTDIR")
        skipped.push({ rel, reason: "replaced by a link or a file while walking (not followed)" });
      else unreadable(rel, err);
      return;
    }
    try {
      if (isRoot && rootReal !== undefined && realpathSync(`${FD_DIR}/${fd}`) !== rootReal) {
        skipped.push({ rel: ".", reason: `${root} was replaced after it was checked (not read)` });
        return;
      }
      visit(`${FD_DIR}/${fd}`, absDir, rel, depth);
    } finally {
      closeSync(fd);
    }
  };

  // The root is what the caller named (importTree has resolved it): entered as it is.
  const st = safeLstat(root);
  if (st) enter(root, root, "", 0, st, true);
  else unreadable("", Object.assign(new Error(), { code: "ENOENT" }));
  return { files, skipped };
}

function safeLstat(path: string) {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}
