import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** A regular file found under the import root. */
export interface FoundFile {
  /** Relative to the root, "/"-separated. */
  rel: string;
  abs: string;
  size: number;
}

export interface Skipped {
  rel: string;
  reason: string;
}

/** Never imported: version-control internals and dependency trees are not documents. */
export const ALWAYS_SKIPPED = new Set([".git", "node_modules"]);

/**
 * Lists the regular files under `root`, sorted by path so runs are deterministic.
 * Symbolic links are never followed (neither to files nor to directories): following them
 * could leave the imported root or loop, and a link's target is imported through its own
 * path if it lies inside the root anyway. Hidden entries (".name") are skipped unless
 * `includeHidden`; `.git` and `node_modules` always are.
 */
export function walkTree(
  root: string,
  includeHidden: boolean,
): { files: FoundFile[]; skipped: Skipped[] } {
  const files: FoundFile[] = [];
  const skipped: Skipped[] = [];
  const visit = (dir: string, relDir: string) => {
    let entries: import("node:fs").Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      skipped.push({
        rel: relDir || ".",
        reason: `unreadable directory (${(err as NodeJS.ErrnoException).code ?? "error"})`,
      });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const rel = relDir ? `${relDir}/${e.name}` : e.name;
      const abs = join(dir, e.name);
      if (ALWAYS_SKIPPED.has(e.name)) continue;
      if (e.name.startsWith(".") && !includeHidden) continue;
      if (e.isSymbolicLink()) skipped.push({ rel, reason: "symbolic link (not followed)" });
      else if (e.isDirectory()) visit(abs, rel);
      else if (e.isFile()) {
        try {
          files.push({ rel, abs, size: statSync(abs).size });
        } catch (err) {
          skipped.push({
            rel,
            reason: `unreadable (${(err as NodeJS.ErrnoException).code ?? "error"})`,
          });
        }
      } else skipped.push({ rel, reason: "not a regular file" });
    }
  };
  visit(root, "");
  return { files, skipped };
}
