import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { request, testServer } from "./support/services.ts";
import { blobsOf } from "./support/store-internals.ts";

const server = testServer();
const { files } = server.services;
afterAll(() => server.close());
const put = (path: string, text: string) => files.put(path, [new TextEncoder().encode(text)]);

describe("corrupt or missing blobs", () => {
  test("reads fail clearly; quiver check reports; --repair drops only the damaged files", async () => {
    await put("ok/a.txt", "healthy a");
    await put("ok/b.txt", "healthy b");
    const lost = (await put("bad/lost.txt", "bytes that will vanish")).file;
    const rotten = (await put("bad/rotten.txt", "bytes that will rot")).file;
    blobsOf(files).remove(lost.sha256);
    writeFileSync(blobsOf(files).pathOf(rotten.sha256), "flipped bits");
    const orphan = await blobsOf(files).write([new TextEncoder().encode("nobody points at me")]);
    orphan.release();

    const get = await request(server, "/files/bad/lost.txt");
    expect(get.status).toBe(500);
    expect(get.json.error.code).toBe("blob_missing");
    expect(get.json.error.message).toContain("quiver check --repair");
    const read = await request(server, "/tools/read_file", { body: { path: "bad/lost.txt" } });
    expect(read.json.error.code).toBe("blob_missing");

    const report = await files.check({ repair: false });
    expect(report).toMatchObject({
      files: 4,
      missing_blobs: ["bad/lost.txt"],
      corrupt_blobs: ["bad/rotten.txt"],
      orphan_blobs: 1,
    });
    expect(files.count()).toBe(4); // a check without --repair changes nothing

    await files.check({ repair: true });
    expect(files.get("bad/lost.txt")).toBeUndefined();
    expect(files.get("bad/rotten.txt")).toBeUndefined();
    expect(blobsOf(files).exists(orphan.hash)).toBe(false);
    expect((await request(server, "/files/ok/a.txt")).text).toBe("healthy a");
    expect((await request(server, "/files/ok/b.txt")).text).toBe("healthy b");
    const after = await files.check({ repair: false });
    expect(after).toMatchObject({
      files: 2,
      missing_blobs: [],
      corrupt_blobs: [],
      orphan_blobs: 0,
    });
  });
});
