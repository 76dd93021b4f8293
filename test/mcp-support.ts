// Helpers for the MCP tests (test/mcp-*.test.ts): the compiled binary, raw /mcp requests.
// The in-process server is support/services.ts's testServer(). Not a test file itself.

import { rmSync } from "node:fs";
import { type Subprocess, spawn } from "bun";
import { BINARY, buildBinary, freePort, ROOT, waitForHealthy } from "./support/binary.ts";
import { STATIC_TOKEN, tempDir as sharedTempDir } from "./support/services.ts";

export { BINARY, buildBinary, freePort, ROOT };
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
    if (body.method === "tools/call") h["mcp-name"] = body.params.name;
  }
  for (const [k, v] of Object.entries(headers)) v === null ? delete h[k] : (h[k] = v);
  const method = init.method ?? "POST";
  return new Request(init.url ?? "http://localhost:8080/mcp", {
    method,
    headers: h,
    body: method === "POST" ? JSON.stringify(body) : undefined,
  });
}

export interface Running {
  proc: Subprocess<"ignore", "ignore", "pipe">;
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** `quiver serve` on a free port with a temp data dir and QUIVER_TOKEN; waits for /healthz. */
export async function startBinary(args: string[] = []): Promise<Running> {
  const binary = buildBinary();
  const dataDir = tempDir();
  const port = await freePort();
  const proc = spawn(
    [binary, "serve", "--port", String(port), "--data", dataDir, "--quiet", ...args],
    {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        QUIVER_TOKEN: TOKEN,
        NODE_ENV: "production",
      },
      stdout: "ignore",
      stderr: "pipe",
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHealthy(url, proc, () => new Response(proc.stderr).text());
  return {
    proc,
    url,
    dataDir,
    async stop() {
      proc.kill("SIGTERM");
      await proc.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
