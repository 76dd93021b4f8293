import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBinary } from "../../test/support/binary.ts";
import { removeScratch } from "./scratch.ts";
import { type Server, startServer } from "./server.ts";

export const ROOT = join(import.meta.dir, "..", "..");
export const BINARY = join(ROOT, "dist", "quiver");
/** The bearer token every contender checks (QUIVER_TOKEN for quiver). */
export const TOKEN = "bench-token-0123456789abcdef";
export const AUTH = { authorization: `Bearer ${TOKEN}` };
/** The trivial tool call every contender answers with the same JSON. */
export const CALL = { name: "list_files", parameters: { limit: 1 } };
export const SEED_FILE = { path: "a.txt", content: "hello, bench\n" };

/**
 * dist/quiver, rebuilt with `npm run build` only when a source file is newer — the rule the
 * tests use (test/support/binary.ts), so a bench started beside running tests (the bench
 * smoke test) no longer replaces the binary they are using, and sections reuse one build.
 */
export function ensureBinary(): string {
  return buildBinary();
}

const temps: string[] = [];
process.on("exit", () => {
  for (const dir of temps) removeScratch(dir);
});

/** A temporary directory, removed when this process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `quiver-bench-${prefix}-`));
  temps.push(dir);
  return dir;
}

/**
 * `quiver serve` on a fresh data dir, access log off. The per-token rate limit is turned
 * off (`--rate-limit 0`): at its default (100/s) the bench would measure 429s.
 */
export async function startQuiver(dataDir = tempDir("data")): Promise<Server> {
  const server = await serveQuiver(dataDir);
  await seed(server.url);
  return { ...server, dataDir };
}

/**
 * The binary's `quiver serve` with the bench's settings (static token, no access log, no
 * rate limit) and nothing stored: `extraArgs` adds flags such as `--import-root`; `pinned:
 * false` lets the server and its job worker use every core.
 */
export function serveQuiver(
  dataDir: string,
  opts: { extraArgs?: string[]; pinned?: boolean } = {},
): Promise<Server> {
  return startServer({
    name: "quiver",
    cmd: [
      ensureBinary(),
      ...["serve", "--port", "{port}", "--data", dataDir, "--quiet", "--rate-limit", "0"],
      ...(opts.extraArgs ?? []),
    ],
    env: { QUIVER_TOKEN: TOKEN, NODE_ENV: "production" },
    pinned: opts.pinned,
  });
}

/** One small file, so list_files has a row to return. */
export async function seed(url: string): Promise<void> {
  const res = await fetch(`${url}/files/${SEED_FILE.path}`, {
    method: "PUT",
    headers: AUTH,
    body: SEED_FILE.content,
  });
  if (res.status !== 200 && res.status !== 201)
    throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
}

/** Whether this tree has a feature yet (the MCP transport, `quiver index`, ...). */
export function treeHas(relPath: string): boolean {
  return existsSync(join(ROOT, relPath));
}
