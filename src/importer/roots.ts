import { lstatSync, readlinkSync, realpathSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { QuiverError } from "../errors.ts";

/**
 * `import_path` reads the server's own disk, so it may read only under directories the
 * operator listed with --import-root. The requested path is resolved through symlinks
 * (as are the roots), so neither `..` nor a link can lead outside a root. (Inside the
 * tree, the importer does not follow symlinks at all.)
 *
 * Outside the roots there is one answer, whether the path exists or not: a caller must
 * not learn what exists on the server's disk (outside_import_roots against not_found
 * told them). A path that is outside as named is refused without touching the disk; one
 * that leads outside through links is refused at the first point resolution stands
 * outside, whether what it names exists or not. Only inside a root is "missing" a 404.
 */
export function resolveImportPath(requested: string, roots: readonly string[]): string {
  if (roots.length === 0)
    throw new QuiverError(
      403,
      "import_disabled",
      "import_path is disabled: start quiver with --import-root DIR (or QUIVER_IMPORT_ROOTS=DIR1,DIR2) to allow imports from DIR",
    );
  if (typeof requested !== "string" || requested.length === 0 || requested.includes("\0"))
    throw new QuiverError(400, "invalid_path", "path must be a directory on the server");
  const outside = () =>
    new QuiverError(
      403,
      "outside_import_roots",
      `${requested} is not a directory under the import roots (${roots.join(", ")})`,
    );
  // A root that does not exist (yet) allows nothing.
  const realRoots = roots.flatMap((root) => {
    try {
      return [realpathSync(root)];
    } catch {
      return [];
    }
  });
  const inRoots = (path: string) => realRoots.some((root) => within(root, path));
  const candidate = isAbsolute(requested) ? resolve(requested) : resolve(roots[0]!, requested);
  if (!roots.some((root) => within(resolve(root), candidate)) && !inRoots(candidate))
    throw outside();
  const found = resolveLinks(candidate);
  if (!inRoots(found.path)) throw outside();
  if (found.missing)
    throw new QuiverError(404, "not_found", `no such directory on the server: ${requested}`);
  if (!statSync(found.path).isDirectory())
    throw new QuiverError(400, "invalid_path", `not a directory: ${requested}`);
  return found.path;
}

function within(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

const MAX_LINKS = 40; // as the kernel's ELOOP limit

/**
 * realpath, one component at a time, that stops where a component is missing: `path` is
 * then the resolved part followed by the rest as named, so where a dangling link points
 * (inside a root or not) decides the answer, not whether its target exists.
 */
function resolveLinks(absolute: string): { path: string; missing: boolean } {
  const queue = absolute.split("/").filter(Boolean);
  let cur = "/";
  let links = 0;
  while (queue.length) {
    const part = queue.shift()!;
    if (part === ".") continue;
    if (part === "..") {
      cur = dirname(cur);
      continue;
    }
    const next = join(cur, part);
    let isLink: boolean;
    try {
      isLink = lstatSync(next).isSymbolicLink();
    } catch {
      return { path: resolve(next, ...queue), missing: true };
    }
    if (!isLink) {
      cur = next;
      continue;
    }
    if (++links > MAX_LINKS) return { path: resolve(next, ...queue), missing: true };
    const target = readlinkSync(next);
    if (isAbsolute(target)) cur = "/";
    queue.unshift(...target.split("/").filter(Boolean));
  }
  return { path: cur, missing: false };
}
