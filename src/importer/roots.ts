import { realpathSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { QuiverError } from "../errors.ts";

/**
 * `import_path` reads the server's own disk, so it may read only under directories the
 * operator listed with --import-root. Both the roots and the requested path are resolved
 * through symlinks first, so neither `..` nor a link can lead outside a root. (Inside
 * the tree, the importer does not follow symlinks at all.)
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
  const candidate = isAbsolute(requested) ? requested : resolve(roots[0]!, requested);
  let real: string;
  try {
    real = realpathSync(candidate);
  } catch {
    throw new QuiverError(404, "not_found", `no such directory on the server: ${requested}`);
  }
  for (const root of roots) {
    let realRoot: string;
    try {
      realRoot = realpathSync(root);
    } catch {
      continue; // a root that does not exist (yet) allows nothing
    }
    const rel = relative(realRoot, real);
    if (rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel))) {
      if (!statSync(real).isDirectory())
        throw new QuiverError(400, "invalid_path", `not a directory: ${requested}`);
      return real;
    }
  }
  throw new QuiverError(
    403,
    "outside_import_roots",
    `${requested} is outside the import roots (${roots.join(", ")})`,
  );
}
