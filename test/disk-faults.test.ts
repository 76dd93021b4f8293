import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { request, tempDir, testServer } from "./support/services.ts";

// A small tmpfs stands in for a full or read-only disk. Mounting needs root (CI runs as
// root); elsewhere these tests say why they are skipped.
const mountPoint = tempDir("quiver-tinyfs-");
const mounted =
  spawnSync(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", mountPoint]).exitCode === 0;
if (!mounted)
  console.warn(`disk-faults: skipped — cannot mount a tmpfs here (needs root): ${mountPoint}`);
afterAll(() => {
  if (mounted) spawnSync(["umount", "-l", mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

describe.skipIf(!mounted)("disk full", () => {
  const dataDir = join(mountPoint, "data");
  mkdirSync(dataDir, { recursive: true });
  const server = testServer({ dataDir });
  afterAll(() => server.services.close());

  test("disk full: writes fail with 507, earlier files stay readable, nothing half-written", async () => {
    expect(
      (await request(server, "/files/keep.txt", { method: "PUT", body: "precious" })).status,
    ).toBe(201);
    let status = 0;
    let code = "";
    for (let i = 0; i < 20 && status !== 507; i++) {
      const res = await request(server, `/files/big-${i}.bin`, {
        method: "PUT",
        body: new Uint8Array(512 * 1024).fill(i + 1),
      });
      status = res.status;
      code = res.json?.error?.code;
    }
    expect(status).toBe(507);
    expect(code).toBe("insufficient_storage");
    const viaTool = await request(server, "/tools/write_file", {
      body: { path: "t.txt", content: "x".repeat(1024 * 1024) },
    });
    expect(viaTool.status).toBe(507);
    expect((await request(server, "/files/keep.txt")).text).toBe("precious");
    expect(readdirSync(join(dataDir, "tmp"))).toEqual([]);
  });
});

// A data directory that stops accepting writes (a disk remounted read-only, a volume
// mounted ro, lost permissions) is stood in for by the immutable attribute on the
// staging directory: every write starts there. Needs root and a filesystem with chattr.
const roServer = testServer();
const staging = join(roServer.config.dataDir, "tmp");
const immutable = spawnSync(["chattr", "+i", staging]).exitCode === 0;
if (!immutable)
  console.warn("disk-faults: read-only case skipped — chattr +i is not available here");
afterAll(() => {
  spawnSync(["chattr", "-i", staging]);
  roServer.close();
});

describe.skipIf(!immutable)("read-only data directory", () => {
  test("writes fail with 503 storage_unavailable, reads keep working", async () => {
    spawnSync(["chattr", "-i", staging]);
    expect(
      (await request(roServer, "/files/keep.txt", { method: "PUT", body: "precious" })).status,
    ).toBe(201);
    spawnSync(["chattr", "+i", staging]);
    const res = await request(roServer, "/files/new.txt", { method: "PUT", body: "x" });
    expect(res.status).toBe(503);
    expect(res.json.error.code).toBe("storage_unavailable");
    const tool = await request(roServer, "/tools/write_file", {
      body: { path: "keep.txt", content: "overwritten?" },
    });
    expect(tool.status).toBe(503);
    expect((await request(roServer, "/files/keep.txt")).text).toBe("precious");
    expect(
      (await request(roServer, "/tools/read_file", { body: { path: "keep.txt" } })).json.content,
    ).toBe("precious");
  });
});
