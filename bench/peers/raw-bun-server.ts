// The limit: a bare Bun.serve fetch handler answering quiver's POST /tools/call.
// Usage: bun bench/peers/raw-bun-server.ts <port> <data-dir> [same|bare]   (token: QUIVER_TOKEN)
//
// `same` (default) does exactly the work quiver does for the call, with quiver's own plain
// functions and nothing else (bench/lib/same-work.ts says what, and what it leaves out).
//
// `bare` skips the work a production server must do (no validation, no content-type or
// size check, no response headers); it is listed so the cost of that work is visible too.
import { loadConfig } from "../../src/config.ts";
import { openSqliteServices } from "../../src/services.ts";
import { pathOf, sameWorkHandler } from "../lib/same-work.ts";

const [port, dataDir, mode = "same"] = process.argv.slice(2);
const services = openSqliteServices(
  loadConfig(
    { data: dataDir!, quiet: true, "rate-limit": "0" },
    { QUIVER_TOKEN: process.env.QUIVER_TOKEN },
  ),
);
const { files, tokens } = services;
if (files.list("", 1).files.length === 0)
  await files.put("a.txt", [new TextEncoder().encode("hello, bench\n")]);

const same = sameWorkHandler(services);

const json = (body: unknown, status = 200) => Response.json(body, { status });
const fail = (status: number, code: string) => json({ error: { code, message: code } }, status);

async function bare(req: Request): Promise<Response> {
  const path = pathOf(req.url);
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
    files: page.files.map(({ path, size, sha256, content_type, is_text, updated_at }) => ({
      path,
      size,
      sha256,
      content_type,
      is_text,
      updated_at,
    })),
    ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}),
  });
}

Bun.serve({
  port: Number(port),
  hostname: "127.0.0.1",
  maxRequestBodySize: Number.MAX_SAFE_INTEGER,
  fetch: mode === "bare" ? bare : same,
});
