// The official MCP TypeScript SDK (1.x) on Node: stateless Streamable HTTP, as in the SDK's
// simpleStatelessStreamableHttp example (a fresh McpServer + transport per request), with
// JSON responses instead of SSE and the same bearer check (SHA-256 digest, constant time)
// and the same list_files tool and JSON. Node 20 has no built-in SQLite, so the tool
// answers from an in-memory row: an advantage for this peer.
// Usage: node bench/peers/mcp-sdk-server.mjs <port>   (token from QUIVER_TOKEN)
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import * as z from "zod/v4";

const port = Number(process.argv[2]);
const tokenDigest = createHash("sha256")
  .update(process.env.QUIVER_TOKEN ?? "")
  .digest();
const content = "hello, bench\n";
const rows = [
  {
    path: "a.txt",
    size: content.length,
    sha256: createHash("sha256").update(content).digest("hex"),
    content_type: "text/plain;charset=utf-8",
    is_text: true,
    updated_at: new Date(1764000000000).toISOString(),
  },
];

function mcpServer() {
  const server = new McpServer({ name: "bench-peer", version: "1.0.0" });
  server.registerTool(
    "list_files",
    {
      description: "List stored files in path order.",
      inputSchema: {
        prefix: z.string().optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        cursor: z.string().optional(),
      },
      annotations: { readOnlyHint: true },
    },
    async ({ prefix = "", limit = 100 }) => {
      const files = rows.filter((r) => r.path.startsWith(prefix)).slice(0, limit);
      // The same answer quiver's /mcp gives: the result as one JSON text block.
      return { content: [{ type: "text", text: JSON.stringify({ files }) }] };
    },
  );
  return server;
}

function authorized(req) {
  const header = req.headers.authorization ?? "";
  if (!header.startsWith("Bearer ")) return false;
  return timingSafeEqual(createHash("sha256").update(header.slice(7)).digest(), tokenDigest);
}

const send = (res, status, body) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

createServer(async (req, res) => {
  if (req.url === "/healthz") return send(res, 200, { status: "ok" });
  if (req.url !== "/mcp" || req.method !== "POST")
    return send(res, 405, { error: "method not allowed" });
  if (!authorized(req)) return send(res, 401, { error: "unauthorized" });
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  let body;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    return send(res, 400, {
      jsonrpc: "2.0",
      error: { code: -32700, message: "Parse error" },
      id: null,
    });
  }
  const server = mcpServer();
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on("close", () => {
    transport.close();
    server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, body);
}).listen(port, "127.0.0.1");
