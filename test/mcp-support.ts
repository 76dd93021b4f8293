// Helpers for the MCP tests (test/mcp-*.test.ts): an in-process server, the compiled
// binary, raw /mcp requests. Not a test file itself.
import { spawn, spawnSync, type Subprocess } from "bun";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type Config } from "../src/config.ts";
import { createHandler, type Handler } from "../src/server/handler.ts";
import { openServices, type OpenServices } from "../src/services.ts";

export const ROOT = join(import.meta.dir, "..");
export const BINARY = join(ROOT, "dist", "quiver");
export const TOKEN = "mcp-test-static-token-0123456789abcdef";
export const MODERN = "2026-07-28";
export const ENVELOPE = { "io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {} };

export function tempDir(prefix = "quiver-mcp-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestServer {
  services: OpenServices;
  handle: Handler;
  readToken: string;
  close(): void;
}

export function testServer(overrides: Partial<Config> = {}): TestServer {
  const dataDir = tempDir();
  const config = { ...loadConfig({ data: dataDir, quiet: true }, { QUIVER_TOKEN: TOKEN }), ...overrides };
  const services = openServices(config);
  return {
    services,
    handle: createHandler(services, { log: () => {} }),
    readToken: services.tokens.create("reader", "read").secret,
    close() {
      services.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A POST to /mcp with the headers a modern client derives from the body. */
export function mcpRequest(body: any, headers: Record<string, string | null> = {}, init: { method?: string; url?: string } = {}): Request {
  const h: Record<string, string> = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json", accept: "application/json, text/event-stream" };
  const version = body?.params?._meta?.["io.modelcontextprotocol/protocolVersion"];
  if (typeof version === "string" && "id" in body) {
    h["mcp-protocol-version"] = version;
    h["mcp-method"] = body.method;
    if (body.method === "tools/call") h["mcp-name"] = body.params.name;
  }
  for (const [k, v] of Object.entries(headers)) v === null ? delete h[k] : (h[k] = v);
  const method = init.method ?? "POST";
  return new Request(init.url ?? "http://localhost:8080/mcp", { method, headers: h, body: method === "POST" ? JSON.stringify(body) : undefined });
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** dist/quiver, rebuilt with `npm run build` unless it is newer than every source file. */
export function buildBinary(): string {
  const fresh = existsSync(BINARY) && statSync(BINARY).mtimeMs > Math.max(newestSource(join(ROOT, "src")), statSync(join(ROOT, "package.json")).mtimeMs);
  if (fresh) return BINARY;
  const res = spawnSync(["npm", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` } });
  if (res.exitCode !== 0) throw new Error(`npm run build failed:\n${res.stderr.toString()}`);
  return BINARY;
}

export async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
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
  const proc = spawn([binary, "serve", "--port", String(port), "--data", dataDir, "--quiet", ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, QUIVER_TOKEN: TOKEN, NODE_ENV: "production" },
    stdout: "ignore",
    stderr: "pipe",
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`quiver did not start: ${await new Response(proc.stderr).text()}`);
    await Bun.sleep(25);
  }
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
