import type { NamedFile } from "./define.ts";

/**
 * The files listed under `result[key]` (objects with a string `path`), each once, in
 * order: list_files' `files` and search's `results` both name files this way.
 */
export function filesListedUnder(result: unknown, key: string): NamedFile[] {
  const list = typeof result === "object" && result !== null ? Reflect.get(result, key) : undefined;
  if (!Array.isArray(list)) return [];
  const files: NamedFile[] = [];
  // A set only once there is a second file: most results name one or a few.
  let seen: Set<string> | undefined;
  for (const item of list) {
    if (typeof item !== "object" || item === null || typeof item.path !== "string") continue;
    if (!seen && files.length === 1) seen = new Set([files[0]!.path]);
    if (seen?.has(item.path)) continue;
    seen?.add(item.path);
    const file: NamedFile = { path: item.path };
    if (typeof item.size === "number") file.size = item.size;
    if (typeof item.content_type === "string") file.content_type = item.content_type;
    files.push(file);
  }
  return files;
}
