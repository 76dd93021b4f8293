import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { looksLikeText } from "../../src/store/content.ts";
import { startServer } from "./server.ts";

const TOKEN = "bench-token-0123456789abcdef0123";

/** Text files under `dir` (hidden ones skipped, as quiver index does), relative path → text. */
export function readTexts(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = join(e.parentPath, e.name);
    const rel = abs.slice(dir.length + 1);
    if (rel.split("/").some((part) => part.startsWith("."))) continue;
    const bytes = readFileSync(abs);
    if (looksLikeText(bytes.subarray(0, 8192))) out.set(rel, bytes.toString("utf8"));
  }
  return out;
}

/** `quiver serve` on an existing data directory, with a search call over HTTP. */
export async function startQuiver(dataDir: string) {
  const server = await startServer({
    name: "quiver",
    cmd: [
      process.execPath,
      join(import.meta.dir, "..", "..", "src", "main.ts"),
      "serve",
      "--port",
      "{port}",
      "--data",
      dataDir,
      "--quiet",
      // Latency is measured one request after another; at ~2 ms each that passes the
      // default 100 requests/s per token.
      "--rate-limit",
      "0",
    ],
    env: { QUIVER_TOKEN: TOKEN },
    pinned: false,
  });
  const headers = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
  return {
    async search(query: string): Promise<unknown> {
      const res = await fetch(`${server.url}/tools/search`, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, limit: 10 }),
      });
      if (!res.ok) throw new Error(`search ${JSON.stringify(query)}: HTTP ${res.status}`);
      return res.json();
    },
    stop: () => server.stop(),
  };
}
