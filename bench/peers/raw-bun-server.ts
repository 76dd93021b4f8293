// The limit: a bare Bun.serve handler doing the same work as quiver's POST /tools/call —
// parse the JSON body, check the bearer token (SHA-256 digest lookup, quiver's TokenStore),
// list one file with quiver's FileStore (same SQLite query), answer the same JSON.
// No framework, no validation library, no request id, no logging.
// Usage: bun bench/peers/raw-bun-server.ts <port> <data-dir>   (token from QUIVER_TOKEN)
import { BlobStore } from "../../src/store/blobs.ts";
import { openDatabase } from "../../src/store/db.ts";
import { FileStore } from "../../src/store/files.ts";
import { TokenStore } from "../../src/store/tokens.ts";

const [port, dataDir] = process.argv.slice(2);
const db = openDatabase(dataDir!);
const files = new FileStore(db, new BlobStore(dataDir!));
const tokens = new TokenStore(db, process.env.QUIVER_TOKEN);
if (files.list("", 1).files.length === 0) await files.put("a.txt", [new TextEncoder().encode("hello, bench\n")]);

const json = (body: unknown, status = 200) => Response.json(body, { status });
const fail = (status: number, code: string) => json({ error: { code, message: code } }, status);

Bun.serve({
  port: Number(port),
  hostname: "127.0.0.1",
  async fetch(req) {
    const path = new URL(req.url).pathname;
    if (path === "/healthz") return json({ status: "ok" });
    if (req.method !== "POST" || path !== "/tools/call") return fail(404, "not_found");
    const header = req.headers.get("authorization") ?? "";
    const caller = header.startsWith("Bearer ") ? tokens.verify(header.slice(7)) : undefined;
    if (!caller) return fail(401, "unauthorized");
    let body: { name?: unknown; parameters?: { limit?: unknown } };
    try {
      body = (await req.json()) as typeof body;
    } catch {
      return fail(400, "invalid_json");
    }
    if (body?.name !== "list_files") return fail(404, "unknown_tool");
    const limit = typeof body.parameters?.limit === "number" ? body.parameters.limit : 100;
    const page = files.list("", limit);
    return json({
      files: page.files.map(({ path, size, sha256, content_type, is_text, updated_at }) => ({ path, size, sha256, content_type, is_text, updated_at })),
      ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}),
    });
  },
});
