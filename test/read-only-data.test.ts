import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawn, spawnSync } from "bun";
import { loadConfig } from "../src/config.ts";
import { createHandler } from "../src/server/handler.ts";
import { openSqliteServices, type SqliteServices } from "../src/services.ts";
import { startBinary } from "./support/binary.ts";
import { oneLine, QUIVER, runCli } from "./support/cli.ts";
import { STATIC_TOKEN, tempDir } from "./support/services.ts";

// A data directory on a read-only mount. Tests run as root, and root ignores file modes,
// so the directory is bind-mounted onto a second path and that mount made read-only: the
// kernel refuses writes there to root too (EROFS). Elsewhere the tests say they skipped.
const work = tempDir("quiver-ro-");
const data = join(work, "data");
const readOnly = join(work, "ro");
mkdirSync(join(data, "empty"), { recursive: true });
mkdirSync(readOnly);
const mounted =
  spawnSync(["mount", "--bind", data, readOnly]).exitCode === 0 &&
  spawnSync(["mount", "-o", "remount,ro,bind", readOnly]).exitCode === 0;
if (!mounted) console.warn("read-only data: skipped — cannot make a read-only bind mount here");
afterAll(() => {
  spawnSync(["umount", "-l", readOnly]);
  rmSync(work, { recursive: true, force: true });
});

const config = (dir: string) =>
  loadConfig({ data: dir, quiet: true, "rate-limit": "0" }, { QUIVER_TOKEN: STATIC_TOKEN });
const ask = (services: SqliteServices) => {
  const handle = createHandler(services, { log: () => {} });
  return async (path: string, init: RequestInit = {}) => {
    const headers = { authorization: `Bearer ${STATIC_TOKEN}`, ...(init.headers as object) };
    const res = await handle(new Request(`http://localhost${path}`, { ...init, headers }));
    const text = await res.text();
    return { status: res.status, text, json: text.startsWith("{") ? JSON.parse(text) : undefined };
  };
};
const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe.skipIf(!mounted)("a read-only data directory", () => {
  // The store every test finds on the read-only mount, made before any test runs.
  beforeAll(async () => {
    const writable = openSqliteServices(config(data));
    await ask(writable)("/files/notes/keep.md", {
      method: "PUT",
      body: "# Keep\nprecious otter\n",
    });
    writable.close(); // a clean stop: no -wal or -shm file is left
  });

  test("opens: reads and searches work, every write answers 503 storage_unavailable", async () => {
    const services = openSqliteServices(config(readOnly));
    expect(services.readOnly).toBe(true);
    const call = ask(services);
    expect((await call("/files/notes/keep.md")).text).toBe("# Keep\nprecious otter\n");
    const found = await call("/tools/search", json({ query: "otter" }));
    expect(found.json.results.map((r: { path: string }) => r.path)).toEqual(["notes/keep.md"]);
    expect((await call("/files")).json.files).toHaveLength(1);

    const writes = [
      await call("/files/notes/new.md", { method: "PUT", body: "x" }),
      await call("/files/notes/keep.md", { method: "DELETE" }),
      await call("/tools/write_file", json({ path: "notes/keep.md", content: "gone?" })),
      await call("/tools/delete_file", json({ path: "notes/keep.md" })),
      await call("/tools/reindex", json({})),
      await call("/console/session", { method: "POST" }), // signing in to the console stores a session
    ];
    for (const res of writes) {
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe("storage_unavailable");
    }
    expect((await call("/files/notes/keep.md")).text).toBe("# Keep\nprecious otter\n");
    services.close();
  });

  test("a database another process still has open (its WAL in use) opens read-only with that WAL", async () => {
    const writer = openSqliteServices(config(data));
    await ask(writer)("/files/notes/late.md", { method: "PUT", body: "committed to the WAL" });
    const reader = openSqliteServices(config(readOnly));
    expect(reader.readOnly).toBe(true);
    expect((await ask(reader)("/files/notes/late.md")).text).toBe("committed to the WAL");
    reader.close();
    // Gone again, so that the other tests find the store as it was made.
    expect((await ask(writer)("/files/notes/late.md", { method: "DELETE" })).status).toBe(200);
    writer.close();
  });

  test("quiver serve starts on it, says so, and runs no job worker", async () => {
    const server = await startBinary(QUIVER, ["--data", readOnly]);
    expect(server.stderr()).toContain(
      `quiver: the data directory ${readOnly} is not writable: serving reads; writes answer 503 storage_unavailable`,
    );
    // No admin token exists and none can be stored: it says how to get one.
    expect(server.stderr()).toContain("set QUIVER_TOKEN");
    // startServer spawns the worker before the first request is answered: by now it would exist.
    const children = spawnSync(["pgrep", "-P", String(server.proc.pid)]).stdout.toString();
    expect(children.trim()).toBe("");
    expect(await server.stop()).toBe(0);
  });

  test("an empty read-only directory cannot become a store: one line, exit 1", () => {
    const res = runCli(["serve", "--port", "0", "--data", join(readOnly, "empty")]);
    expect(res.code).toBe(1);
    expect(oneLine(res.err)).toBe(
      `quiver: the data directory ${join(readOnly, "empty")} is not writable and holds no quiver database yet; make it writable for the first start`,
    );
  });

  test("quiver check reads it; --repair says it cannot write there", () => {
    const check = runCli(["check", "--data", readOnly]);
    expect(check.code).toBe(0);
    expect(check.out).toEndWith("ok\n");
    const repair = runCli(["check", "--repair", "--data", readOnly]);
    expect(repair.code).toBe(1);
    expect(oneLine(repair.err)).toBe(
      `quiver: the data directory ${readOnly} is not writable, so it cannot be repaired; run quiver check without --repair, or make it writable`,
    );
  });

  test("quiver mcp (stdio) on it: reads answer, a write is a tool error saying storage_unavailable", async () => {
    const proc = spawn([...QUIVER, "mcp", "--data", readOnly], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH: process.env.PATH! },
    });
    const send = (m: unknown) => proc.stdin.write(`${JSON.stringify(m)}\n`);
    const call = (id: number, name: string, args: unknown) =>
      send({ jsonrpc: "2.0", id, method: "tools/call", params: { name, arguments: args } });
    send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-06-18",
        capabilities: {},
        clientInfo: { name: "t", version: "1" },
      },
    });
    send({ jsonrpc: "2.0", method: "notifications/initialized" });
    call(2, "read_file", { path: "notes/keep.md" });
    call(3, "write_file", { path: "n.md", content: "x" });
    proc.stdin.flush();
    const answers = new Map<number, any>();
    let buffered = "";
    for await (const chunk of proc.stdout) {
      buffered += new TextDecoder().decode(chunk);
      for (const line of buffered.split("\n").slice(0, -1)) {
        const m = JSON.parse(line);
        answers.set(m.id, m.result);
      }
      buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
      if (answers.has(2) && answers.has(3)) break;
    }
    // The worker would have been spawned before the first message was read.
    const children = spawnSync(["pgrep", "-P", String(proc.pid)]).stdout.toString();
    proc.stdin.end();
    expect(await proc.exited).toBe(0);
    expect(children.trim()).toBe("");
    expect(answers.get(2).isError).toBeFalsy();
    expect(answers.get(2).content[0].text).toContain("precious otter");
    expect(answers.get(3).isError).toBe(true);
    expect(answers.get(3).content[0].text).toContain("storage_unavailable");
  });

  test("quiver worker refuses it in one line", () => {
    const res = runCli(["worker", "--data", readOnly]);
    expect(res.code).toBe(1);
    expect(oneLine(res.err)).toBe(
      `quiver: the data directory ${readOnly} is not writable; jobs cannot run on it`,
    );
  });
});
