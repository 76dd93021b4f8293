/*
 * The MCP view of a tool registry, built once per registry and scope: the `tools/list`
 * pages of the tools a caller's token may call, in registry order (so every replica
 * answers the same pages), from the registry's JSON
 * copies of the schemas. Schemas carry no "$schema": 2025-11-25 and 2026-07-28 default to
 * JSON Schema 2020-12, and older clients choke on dialect URLs they don't know.
 */

import type { Caller, Scope } from "../store/tokens.ts";
import type { AnyTool } from "../tools/define.ts";
import { mayCall } from "../tools/pipeline.ts";
import type { JsonSchema, ToolRegistry } from "../tools/registry.ts";
import { INVALID_PARAMS, RpcError } from "./jsonrpc.ts";

export const PAGE_SIZE = 50;
/** Tool lists change only with a new binary: clients may reuse a page for a while. */
export const LIST_TTL_MS = 5 * 60 * 1000;

export interface McpTool {
  name: string;
  title?: string;
  description: string;
  inputSchema: JsonSchema;
  outputSchema?: JsonSchema;
  annotations?: Record<string, unknown>;
}

export interface ToolPage extends Record<string, unknown> {
  tools: McpTool[];
  nextCursor?: string;
}

function mcpTool(tool: AnyTool, registry: ToolRegistry): McpTool {
  const out: McpTool = {
    name: tool.name,
    description: tool.description,
    inputSchema: registry.inputSchema(tool),
  };
  const title = tool.title ?? tool.annotations?.title;
  if (title) out.title = title;
  const output = registry.outputSchema(tool);
  if (output) out.outputSchema = output;
  if (tool.annotations) out.annotations = { ...tool.annotations };
  return out;
}

const cursorFor = (page: number) => Buffer.from(`page:${page}`).toString("base64url");

function buildPages(registry: ToolRegistry, scope: Scope, pageSize: number): ToolPage[] {
  const all = registry.tools
    .filter((tool) => mayCall({ scope }, tool))
    .map((tool) => mcpTool(tool, registry));
  const pages: ToolPage[] = [];
  for (let i = 0; i < Math.max(all.length, 1); i += pageSize) {
    const page: ToolPage = { tools: all.slice(i, i + pageSize) };
    if (i + pageSize < all.length) page.nextCursor = cursorFor(pages.length + 1);
    pages.push(page);
  }
  return pages;
}

const built = new WeakMap<ToolRegistry, Map<Scope, ToolPage[]>>();

/** The page a cursor names, of the caller's tools; an unknown cursor is invalid params (spec). */
export function pageFor(registry: ToolRegistry, caller: Caller, cursor: unknown): ToolPage {
  let byScope = built.get(registry);
  if (!byScope) built.set(registry, (byScope = new Map()));
  let pages = byScope.get(caller.scope);
  if (!pages) byScope.set(caller.scope, (pages = buildPages(registry, caller.scope, PAGE_SIZE)));
  if (cursor === undefined || cursor === null) return pages[0]!;
  const m =
    typeof cursor === "string"
      ? /^page:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString())
      : null;
  const page = m ? pages[Number(m[1])] : undefined;
  if (!page)
    throw new RpcError(
      INVALID_PARAMS,
      "invalid cursor: pass back the nextCursor of a previous tools/list page, or omit it for the first page",
    );
  return page;
}
