import type { AnyTool } from "../tools/define.ts";
import { inputSchemaOf, tools as registryTools } from "../tools/registry.ts";
import { INVALID_PARAMS, RpcError } from "./jsonrpc.ts";

/**
 * The MCP view of a tool list, built once: tool objects, name lookup and the
 * `tools/list` pages (in registry order, so every replica answers the same pages).
 * Schemas carry no "$schema": 2025-11-25 and 2026-07-28 default to JSON Schema
 * 2020-12, and older clients choke on dialect URLs they don't know.
 */
export const PAGE_SIZE = 50;
/** Tool lists change only with a new binary: clients may reuse a page for a while. */
export const LIST_TTL_MS = 5 * 60 * 1000;

export interface McpTool {
  name: string;
  title?: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

export interface ToolSet {
  tools: readonly AnyTool[];
  byName: Map<string, AnyTool>;
  /** `{tools, nextCursor?}` per page; cursors are opaque page tokens. */
  pages: { tools: McpTool[]; nextCursor?: string }[];
}

export function mcpTool(tool: AnyTool): McpTool {
  const out: McpTool = {
    name: tool.name,
    description: tool.description,
    inputSchema: inputSchemaOf(tool),
  };
  const title = tool.title ?? tool.annotations?.title;
  if (title) out.title = title;
  if (tool.output) out.outputSchema = JSON.parse(JSON.stringify(tool.output));
  if (tool.annotations) out.annotations = { ...tool.annotations };
  return out;
}

const cursorFor = (page: number) => Buffer.from(`page:${page}`).toString("base64url");

export function buildToolSet(
  tools: readonly AnyTool[] = registryTools,
  pageSize = PAGE_SIZE,
): ToolSet {
  const all = tools.map(mcpTool);
  const pages: ToolSet["pages"] = [];
  for (let i = 0; i < Math.max(all.length, 1); i += pageSize) {
    const page: ToolSet["pages"][number] = { tools: all.slice(i, i + pageSize) };
    if (i + pageSize < all.length) page.nextCursor = cursorFor(pages.length + 1);
    pages.push(page);
  }
  return { tools, byName: new Map(tools.map((t) => [t.name, t])), pages };
}

/** The page a cursor names; an unknown cursor is invalid params (spec). */
export function pageFor(set: ToolSet, cursor: unknown): ToolSet["pages"][number] {
  if (cursor === undefined || cursor === null) return set.pages[0]!;
  const m =
    typeof cursor === "string"
      ? /^page:(\d+)$/.exec(Buffer.from(cursor, "base64url").toString())
      : null;
  const page = m ? set.pages[Number(m[1])] : undefined;
  if (!page)
    throw new RpcError(
      INVALID_PARAMS,
      "invalid cursor: pass back the nextCursor of a previous tools/list page, or omit it for the first page",
    );
  return page;
}

let registrySet: ToolSet | undefined;
/** The registry's tool set, built on first use. */
export function registryToolSet(): ToolSet {
  return (registrySet ??= buildToolSet());
}
