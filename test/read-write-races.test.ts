import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { loadConfig } from "../src/config.ts";
import { openSqliteServices } from "../src/services.ts";
import { request, testServer } from "./support/services.ts";
import { blobsOf } from "./support/store-internals.ts";

// Reads and writes that meet a delete of the same file, or of another file with the same
// bytes. Each test puts the delete exactly in the window it is about, through a hook.
const server = testServer();
const { files } = server.services;
// A second connection and blob store on the same data directory: another process.
const other = openSqliteServices(loadConfig({ data: server.config.dataDir, quiet: true }, {}));
afterAll(() => {
  other.close();
  server.close();
});

/** Runs `after` once, right after the next call of `obj[name]` returns. */
function afterNext<T extends object, K extends keyof T>(obj: T, name: K, after: () => void) {
  const original = obj[name] as (...args: unknown[]) => unknown;
  (obj as Record<K, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
    (obj as Record<K, unknown>)[name] = original;
    const out = original.apply(obj, args);
    if (out instanceof Promise)
      return out.then((v) => {
        after();
        return v;
      });
    after();
    return out;
  };
}

/** Runs `before` once, just before the next call of `obj[name]`. */
function beforeNext<T extends object, K extends keyof T>(obj: T, name: K, before: () => void) {
  const original = obj[name] as (...args: unknown[]) => unknown;
  (obj as Record<K, unknown>)[name] = function (this: unknown, ...args: unknown[]) {
    (obj as Record<K, unknown>)[name] = original;
    before();
    return original.apply(obj, args);
  };
}

const put = (path: string, body: string) =>
  request(server, `/files/${path}`, { method: "PUT", body });

test("a write whose bytes another process's delete collects before the write indexes them succeeds", async () => {
  const text = "# shared\n\nidentical bytes written twice, deleted once\n";
  expect((await put("race/old.md", text)).status).toBe(201);
  // Between the new write's blob landing and its row committing, the other process
  // deletes the last file holding these bytes, and collects their blob.
  afterNext(blobsOf(files), "write", () => other.files.delete("race/old.md"));
  const res = await request(server, "/tools/write_file", {
    body: { path: "race/new.md", content: text },
  });
  expect(res.status).toBe(200);
  expect((await request(server, "/files/race/new.md")).text).toBe(text);
  expect(server.services.index.search("identical").results.map((r) => r.path)).toEqual([
    "race/new.md",
  ]);
  expect((await request(server, "/files/race/old.md")).status).toBe(404);
});

test("a read that meets a delete of its file answers 404, not blob_missing", async () => {
  expect((await put("race/gone.txt", "about to go")).status).toBe(201);
  // The delete (and its collection) lands after the read found the row, before it opens
  // the bytes.
  beforeNext(blobsOf(files), "openRead", () => other.files.delete("race/gone.txt"));
  const get = await request(server, "/files/race/gone.txt");
  expect(get.status).toBe(404);
  expect(get.json.error.code).toBe("file_not_found");

  expect((await put("race/gone.txt", "about to go again")).status).toBe(201);
  beforeNext(blobsOf(files), "openRead", () => other.files.delete("race/gone.txt"));
  const read = await request(server, "/tools/read_file", { body: { path: "race/gone.txt" } });
  expect(read.status).toBe(404);
  expect(read.json.error.code).toBe("file_not_found");
});

test("a read that meets an overwrite answers the new bytes", async () => {
  expect((await put("race/moving.txt", "first version")).status).toBe(201);
  const second = (await put("race/holder.txt", "second version")).json;
  beforeNext(blobsOf(files), "openRead", () => {
    // Another process replaces the file (its old blob is collected at once).
    other.files.commitMany([
      { path: "race/moving.txt", hash: second.sha256, size: second.size, isText: true },
    ]);
  });
  const res = await request(server, "/files/race/moving.txt");
  expect(res.status).toBe(200);
  expect(res.text).toBe("second version");
});

test("a read already under way when the file is deleted still returns every byte", async () => {
  const big = "0123456789abcdef".repeat(64 * 1024); // 1 MiB: several chunks
  expect((await put("race/big.txt", big)).status).toBe(201);
  const res = await server.handle(
    new Request("http://localhost/files/race/big.txt", {
      headers: { authorization: `Bearer ${server.tokens.read}` },
    }),
  );
  expect(res.status).toBe(200);
  // The headers are out; the delete (and the blob's collection) comes before the body.
  other.files.delete("race/big.txt");
  const text = await res.text();
  expect(text.length).toBe(big.length);
  expect(text).toBe(big);
  expect((await request(server, "/files/race/big.txt")).status).toBe(404);
});

test("blob_missing only when the row exists and its own bytes are gone", async () => {
  const res = await put("race/damaged.txt", "bytes that will be lost");
  rmSync(blobsOf(files).pathOf(res.json.sha256));
  const get = await request(server, "/files/race/damaged.txt");
  expect(get.status).toBe(500);
  expect(get.json.error.code).toBe("blob_missing");
});
