import { readdirSync } from "node:fs";
import { join } from "node:path";

/** Sections run in this order; any other bench/<name>.ts follows, alphabetically. */
const ORDER = ["http", "mcp", "search", "binary"];

/** The section scripts: every bench/*.ts except the runner. */
export function sections(dir = join(import.meta.dir, "..")): string[] {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.endsWith(".d.ts"))
    .map((f) => f.slice(0, -3));
  const rank = (n: string) => (ORDER.includes(n) ? ORDER.indexOf(n) : ORDER.length);
  return names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}
