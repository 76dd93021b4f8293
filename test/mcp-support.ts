// Helpers for the MCP tests (test/mcp-*.test.ts): the compiled binary, raw /mcp requests.
// The in-process server is support/services.ts's testServer(). Not a test file itself.

import { rmSync } from "node:fs";
import {
  BINARY,
  buildBinary,
  ROOT,
  type Running as SharedRunning,
  startBinary as startShared,
} from "./support/binary.ts";
import { STATIC_TOKEN, tempDir as sharedTempDir } from "./support/services.ts";

export { BINARY, buildBinary, ROOT };
export const tempDir = (prefix = "quiver-mcp-") => sharedTempDir(prefix);

/** The static admin token of testServer() (support/services.ts) and startBinary() below. */
export const TOKEN = STATIC_TOKEN;
export const MODERN = "2026-07-28";
export const ENVELOPE = {
  "io.modelcontextprotocol/protocolVersion": MODERN,
  "io.modelcontextprotocol/clientCapabilities": {},
};

/** A POST to /mcp with the headers a modern client derives from the body. */
export function mcpRequest(
  body: any,
  headers: Record<string, string | null> = {},
  init: { method?: string; url?: string } = {},
): Request {
  const h: Record<string, string> = {
    authorization: `Bearer ${TOKEN}`,
    "content-type": "application/json",
    accept: "application/json, text/event-stream",
  };
  const version = body?.params?._meta?.["io.modelcontextprotocol/protocolVersion"];
  if (typeof version === "string" && "id" in body) {
    h["mcp-protocol-version"] = version;
    h["mcp-method"] = body.method;
    const name = { "tools/call": body.params.name, "resources/read": body.params.uri }[
      body.method as string
    ];
    // Values that are not plain ASCII travel base64-wrapped (era.ts decodeHeaderValue).
    if (typeof name === "string")
      h["mcp-name"] = /^[\x20-\x7e]*$/.test(name)
        ? name
        : `=?base64?${Buffer.from(name).toString("base64")}?=`;
  }
  for (const [k, v] of Object.entries(headers)) v === null ? delete h[k] : (h[k] = v);
  const method = init.method ?? "POST";
  return new Request(init.url ?? "http://localhost:8080/mcp", {
    method,
    headers: h,
    body: method === "POST" ? JSON.stringify(body) : undefined,
  });
}

export interface Running extends SharedRunning {
  dataDir: string;
}

/** `quiver serve` with a temp data dir and QUIVER_TOKEN (see support/binary.ts's startBinary). */
export async function startBinary(args: string[] = []): Promise<Running> {
  const dataDir = tempDir();
  const running = await startShared(buildBinary(), ["--data", dataDir, "--quiet", ...args], {
    QUIVER_TOKEN: TOKEN,
    NODE_ENV: "production",
  });
  return {
    ...running,
    dataDir,
    async stop() {
      const code = await running.stop();
      rmSync(dataDir, { recursive: true, force: true });
      return code;
    },
  };
}
