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

/** A schema as plain JSON Schema: TypeBox's symbol keys dropped, a copy nobody else mutates. */
export type JsonSchema = Record<string, unknown>;

/** A Claude Messages API tool definition (the request's `tools` array). */
export interface ClaudeToolDefinition {
  name: string;
  description: string;
  input_schema: JsonSchema;
}

/**
 * A set of tools, in the order clients see them, with each schema turned into JSON once
 * (`GET /tools`, MCP `tools/list` and `quiver tools --json` all read these copies).
 * Lookup by name is `find`, which only the pipeline (pipeline.ts) calls.
 */
export class ToolRegistry {
  readonly names: readonly string[];
  readonly claudeDefinitions: readonly ClaudeToolDefinition[];
  private readonly byName = new Map<string, AnyTool>();
  private readonly schemas = new Map<AnyTool, { input: JsonSchema; output?: JsonSchema }>();

  constructor(readonly tools: readonly AnyTool[]) {
    for (const tool of tools) {
      if (this.byName.has(tool.name)) throw new Error(`two tools are named "${tool.name}"`);
      this.byName.set(tool.name, tool);
      this.schemas.set(tool, {
        input: toJson(tool.input),
        ...(tool.output ? { output: toJson(tool.output) } : {}),
      });
    }
    this.names = tools.map((tool) => tool.name);
    this.claudeDefinitions = tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: this.inputSchema(tool),
    }));
  }

  /** The tool called `name`. Only the pipeline looks tools up (see pipeline.ts). */
  find(name: string): AnyTool | undefined {
    return this.byName.get(name);
  }

  inputSchema(tool: AnyTool): JsonSchema {
    return this.schemas.get(tool)!.input;
  }

  outputSchema(tool: AnyTool): JsonSchema | undefined {
    return this.schemas.get(tool)!.output;
  }
}

function toJson(schema: object): JsonSchema {
  return JSON.parse(JSON.stringify(schema));
}

/**
 * Every tool quiver serves. Adding a tool is one file in src/tools/ and one line here;
 * routes, `GET /tools`, MCP and the CLI derive from this list.
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
];

export const builtinTools = new ToolRegistry(tools);
