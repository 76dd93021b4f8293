import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { rawDatabase, request, tempDir, testServer } from "./support/services.ts";

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

// One write bigger than the space left: write(2) stores part of it and returns a short
// count without an error, so a writer that ignores the count acknowledged 999,424 of
// 3,000,000 bytes (with an ETag claiming the full hash). A second small tmpfs.
const shortPoint = tempDir("quiver-shortfs-");
const shortMounted =
  mounted &&
  spawnSync(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", shortPoint]).exitCode === 0;
afterAll(() => {
  if (shortMounted) spawnSync(["umount", "-l", shortPoint]);
  rmSync(shortPoint, { recursive: true, force: true });
});

describe.skipIf(!shortMounted)("a write that does not fit", () => {
  const dataDir = join(shortPoint, "data");
  mkdirSync(dataDir, { recursive: true });
  const server = testServer({ dataDir });
  afterAll(() => server.services.close());

  test("507 for write_file and PUT, the previous version untouched, quiver check clean", async () => {
    const v1 = "version 1, precious\n";
    expect((await request(server, "/files/doc.txt", { method: "PUT", body: v1 })).status).toBe(201);
    // Room for SQLite's next commits, none for the blob: a WAL grown by earlier writes and
    // checkpointed (its space is reused from the start), then a filler file that leaves
    // 1 MiB free — as on a disk that fills up with other data.
    for (let i = 0; i < 40; i++)
      await request(server, `/files/wal-${i}.txt`, { method: "PUT", body: `${i} `.repeat(4096) });
    for (let i = 0; i < 40; i++) await request(server, `/files/wal-${i}.txt`, { method: "DELETE" });
    rawDatabase(server).run("PRAGMA wal_checkpoint(PASSIVE)");
    const fs = statfsSync(shortPoint);
    writeFileSync(join(shortPoint, "filler"), new Uint8Array(fs.bavail * fs.bsize - 1024 * 1024));
    // One chunk (write_file hands the store one buffer): the short count is the only sign.
    const tool = await request(server, "/tools/write_file", {
      body: { path: "doc.txt", content: "y".repeat(3_000_000) },
    });
    expect(tool.status).toBe(507);
    expect(tool.json.error.code).toBe("insufficient_storage");
    const put = await request(server, "/files/doc.txt", {
      method: "PUT",
      body: new Uint8Array(3_000_000).fill(7),
    });
    expect(put.status).toBe(507);
    expect((await request(server, "/files/doc.txt")).text).toBe(v1);
    const report = await server.services.files.check({ repair: false });
    expect(report).toMatchObject({ files: 1, missing_blobs: [], corrupt_blobs: [] });
    expect(readdirSync(join(dataDir, "tmp"))).toEqual([]);
    // Space is not lost for good: a write that fits still works.
    rmSync(join(shortPoint, "filler"));
    expect((await request(server, "/files/small.txt", { method: "PUT", body: "ok" })).status).toBe(
      201,
    );
  });
});
