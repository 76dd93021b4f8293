import { QuiverError } from "../errors.ts";
import { cancelJob } from "./cancel-job.ts";
import type { AnyTool } from "./define.ts";
import { deleteFile } from "./delete-file.ts";
import { importPath } from "./import-path.ts";
import { jobStatus } from "./job-status.ts";
import { listFiles } from "./list-files.ts";
import { listJobs } from "./list-jobs.ts";
import { readFile } from "./read-file.ts";
import { reindex } from "./reindex.ts";
import { search } from "./search.ts";
import { writeFile } from "./write-file.ts";

/**
 * Every tool quiver serves, in the order clients see them. Adding a tool is one file in
 * src/tools/ and one line here; routes, `GET /tools`, MCP and the CLI derive from this list.
 */
export const tools: readonly AnyTool[] = [
  search,
  readFile,
  listFiles,
  writeFile,
  deleteFile,
  importPath,
  reindex,
  jobStatus,
  listJobs,
  cancelJob,
] as unknown as AnyTool[];

const byName = new Map(tools.map((tool) => [tool.name, tool]));
if (byName.size !== tools.length) throw new Error("two tools share a name");

export function requireTool(name: unknown): AnyTool {
  const tool = typeof name === "string" ? byName.get(name) : undefined;
  if (!tool)
    throw new QuiverError(
      404,
      "unknown_tool",
      `no tool named ${JSON.stringify(name)}; GET /tools lists them (${tools.map((t) => t.name).join(", ")})`,
    );
  return tool;
}

/** A tool's input schema as plain JSON Schema (TypeBox's symbol keys dropped). */
export function inputSchemaOf(tool: AnyTool): Record<string, unknown> {
  return JSON.parse(JSON.stringify(tool.input));
}

/** Claude Messages API tool definitions: paste into the request's `tools` array. */
export function claudeToolDefinitions() {
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    input_schema: inputSchemaOf(tool),
  }));
}
