import type { NamedFile } from "./define.ts";

/**
 * The files listed under `result[key]` (objects with a string `path`), each once, in
 * order: list_files' `files` and search's `results` both name files this way.
 */
export function filesListedUnder(result: unknown, key: string): NamedFile[] {
  const list = typeof result === "object" && result !== null ? Reflect.get(result, key) : undefined;
  if (!Array.isArray(list)) return [];
  const seen = new Map<string, NamedFile>();
  for (const item of list) {
    if (typeof item !== "object" || item === null || typeof item.path !== "string") continue;
    if (seen.has(item.path)) continue;
    const file: NamedFile = { path: item.path };
    if (typeof item.size === "number") file.size = item.size;
    if (typeof item.content_type === "string") file.content_type = item.content_type;
    seen.set(item.path, file);
  }
  return [...seen.values()];
}
