// The request pairs bench/mcp.ts compares, each group against its first case (measured in
// the same run): tool calls over /mcp vs POST /tools/call, and reading a file as an MCP
// resource or completing its path vs read_file over REST. Targets: MCP >= 0.8x REST for
// tool calls, >= 0.85x for resources/read and completion/complete.

export interface Case {
  name: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

export const BENCH_TOKEN = "bench-token-0123456789abcdef0123456789";
const MODERN = "2026-07-28";
const META = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
};
const auth = { authorization: `Bearer ${BENCH_TOKEN}`, "content-type": "application/json" };
const accept = { accept: "application/json, text/event-stream" };

/** The file the read cases read (written before the runs). */
export const READ_PATH = "bench/a.txt";

const modern = (method: string, params: Record<string, unknown>, name?: string): Case => ({
  name: `MCP ${method} (2026-07-28)`,
  path: "/mcp",
  headers: {
    ...auth,
    ...accept,
    "mcp-protocol-version": MODERN,
    "mcp-method": method,
    ...(name ? { "mcp-name": name } : {}),
  },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: META } }),
});

export const GROUPS: { title: string; cases: Case[] }[] = [
  {
    title: "tool calls (list_files, limit 1)",
    cases: [
      {
        name: "POST /tools/call",
        path: "/tools/call",
        headers: auth,
        body: JSON.stringify({ name: "list_files", parameters: { limit: 1 } }),
      },
      modern("tools/call", { name: "list_files", arguments: { limit: 1 } }, "list_files"),
      {
        name: "MCP tools/call (2025-11-25)",
        path: "/mcp",
        headers: { ...auth, ...accept, "mcp-protocol-version": "2025-11-25" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "list_files", arguments: { limit: 1 } },
        }),
      },
    ],
  },
  {
    title: `reading one small file (${READ_PATH})`,
    cases: [
      {
        name: "POST /tools/read_file",
        path: "/tools/read_file",
        headers: auth,
        body: JSON.stringify({ path: READ_PATH }),
      },
      modern(
        "resources/read",
        { uri: `quiver://files/${READ_PATH}` },
        `quiver://files/${READ_PATH}`,
      ),
      modern("completion/complete", {
        ref: { type: "ref/resource", uri: "quiver://files/{+path}" },
        argument: { name: "path", value: "bench/" },
      }),
    ],
  },
];
