import { loadConfig } from "../config.ts";
import { openServices } from "../services.ts";
import type { SearchResult } from "../store/search.ts";
import type { Caller } from "../store/tokens.ts";
import { callTool } from "../tools/pipeline.ts";
import { dataOptions, parse, UsageError } from "./args.ts";

export const searchHelp = `quiver search QUERY [--limit N] [--offset N] [--prefix P/] [--data DIR] [--json]

Searches the stored text files (same query language as the search tool):
  words or a question (ranked by how many match)  "exact phrase"  prefix*  AND / OR / NOT  ( )  path:docs/`;

/** Whoever runs the command may read the data directory anyway. */
const CLI_CALLER: Caller = { id: "local", name: "cli", scope: "admin" };

export async function searchCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(
    argv,
    {
      ...dataOptions,
      limit: { type: "string", short: "n" },
      offset: { type: "string" },
      prefix: { type: "string" },
      json: { type: "boolean" },
    },
    true,
  );
  if (positionals.length === 0) throw new UsageError(`search needs a query\n\n${searchHelp}`);
  const limit = intFlag(values.limit, "limit", 5, 1, 50);
  const offset = intFlag(values.offset, "offset", 0, 0, 10000);
  const services = await openServices(loadConfig({ data: values.data }), { create: false });
  try {
    // One question, answered well: wait for the ranked index rather than FTS5 alone.
    await services.index.warmUp();
    // The search tool, through the pipeline like every other transport's call.
    const res = (await callTool(services, {
      name: "search",
      caller: CLI_CALLER,
      params: { query: positionals.join(" "), limit, offset, path_prefix: values.prefix },
    })) as SearchResult;
    if (values.json) {
      process.stdout.write(`${JSON.stringify(res, null, 2)}\n`);
      return 0;
    }
    if (res.results.length === 0) process.stdout.write("no matches\n");
    for (const r of res.results) {
      const snippet = r.snippet.replace(/\s*\n\s*/g, " ⏎ ");
      process.stdout.write(
        `${r.path}:${r.line_start}-${r.line_end}  (score ${r.score.toPrecision(3)})\n    ${snippet}\n`,
      );
    }
    if (res.total !== undefined && res.total > offset + res.results.length)
      process.stdout.write(
        `… ${res.total - offset - res.results.length} more (--offset ${offset + res.results.length})\n`,
      );
    return res.results.length ? 0 : 1;
  } finally {
    await services.close();
  }
}

function intFlag(
  text: string | undefined,
  name: string,
  def: number,
  min: number,
  max: number,
): number {
  if (text === undefined) return def;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new UsageError(`--${name} must be an integer ${min}-${max}`);
  return n;
}
