import { afterAll, expect, test } from "bun:test";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { importTree } from "../src/importer/import-tree.ts";
import { openSqliteServices, type SqliteServices } from "../src/services.ts";
import { BlobsGone, type FileStore } from "../src/store/files.ts";
import { tempDir } from "./support/services.ts";
import { blobsOf } from "./support/store-internals.ts";

// A blob is garbage once no row refers to it, but a write places its blob a moment before
// its row commits. Deleting the last file with the same bytes in that moment — in the same
// process (parallel tool calls) or another one (a server and `quiver index` on one data
// directory) — must not lose the write. Each test puts the delete exactly in that window.
const dir = tempDir("quiver-races-");
const open = (): SqliteServices => openSqliteServices(loadConfig({ data: dir, quiet: true }, {}));
const server = open();
const other = open(); // a second connection and blob store on the same directory: another process, as far as SQLite and the files go
afterAll(() => {
  server.close();
  other.close();
  rmSync(dir, { recursive: true, force: true });
});

const bytes = (text: string) => [new TextEncoder().encode(text)];
const readText = async (files: FileStore, path: string) =>
  new TextDecoder().decode(await files.readBytes(files.require(path)));

/** Runs `during` just before `files.commit` (single writes) commits, once. */
async function putWith(files: FileStore, path: string, text: string, during: () => void) {
  const commit = files.commit;
  files.commit = (...args: Parameters<typeof commit>) => {
    files.commit = commit;
    during();
    return commit.apply(files, args);
  };
  return files.put(path, bytes(text));
}

test("same process: a delete of the last file with the same bytes lands between the write's blob and its row", async () => {
  const old = await server.files.put("race/a-old.txt", bytes("same bytes, one process"));
  await putWith(server.files, "race/a-new.txt", "same bytes, one process", () =>
    server.files.delete("race/a-old.txt"),
  );
  expect(await readText(server.files, "race/a-new.txt")).toBe("same bytes, one process");
  // The blob is referenced again, and goes when its last file does.
  server.files.delete("race/a-new.txt");
  expect(existsSync(blobsOf(server.files).pathOf(old.file.sha256))).toBe(false);
});

test("another process: its delete lands in the same window", async () => {
  await other.files.put("race/b-old.txt", bytes("same bytes, two processes"));
  await putWith(server.files, "race/b-new.txt", "same bytes, two processes", () =>
    other.files.delete("race/b-old.txt"),
  );
  expect(await readText(other.files, "race/b-new.txt")).toBe("same bytes, two processes");
});

test("a bulk commit whose blob was collected commits nothing and says which files", async () => {
  const dirs = new Set<string>();
  const blob = await blobsOf(server.files).writeBytes(
    new TextEncoder().encode("bulk, collected"),
    dirs,
  );
  await blobsOf(server.files).syncDirs(dirs);
  server.files.collect([blob.hash]); // nothing refers to it yet: garbage, as far as anyone can tell
  const entry = {
    path: "race/c.txt",
    hash: blob.hash,
    size: blob.size,
    isText: true,
    text: "bulk, collected",
  };
  const err = (() => {
    try {
      server.files.commitMany([entry]);
    } catch (e) {
      return e;
    }
  })();
  expect(err).toBeInstanceOf(BlobsGone);
  expect((err as BlobsGone).paths).toEqual(["race/c.txt"]);
  expect(server.files.get("race/c.txt")).toBeUndefined();
});

test("an import whose blobs another process collects before the batch commits writes them again", async () => {
  const src = tempDir("quiver-races-src-");
  await Bun.write(join(src, "one.md"), "# one\n\nshared words\n");
  await Bun.write(join(src, "two.md"), "# two\n\nother words\n");
  const files = server.files;
  const commitMany = files.commitMany;
  let collected = 0;
  files.commitMany = (entries) => {
    files.commitMany = commitMany;
    // Another process's collector, between the batch's blobs and its commit.
    for (const e of entries) rmSync(blobsOf(files).pathOf(e.hash));
    collected = entries.length;
    return commitMany.call(files, entries);
  };
  const summary = await importTree(files, { root: src, prefix: "imported/" });
  expect(collected).toBe(2);
  expect(summary.added).toBe(2);
  expect(await readText(files, "imported/one.md")).toBe("# one\n\nshared words\n");
  expect(await readText(files, "imported/two.md")).toBe("# two\n\nother words\n");
  expect(server.index.search("shared").results.map((r) => r.path)).toEqual(["imported/one.md"]);
  rmSync(src, { recursive: true, force: true });
});

// Bulk imports write new blobs straight under their names, made durable by the batch's
// syncfs before any row refers to them; a crash in between leaves a partial blob with no
// row. No later writer may take such a name for the real thing.
test("a partial blob a crash left under its name is replaced, by imports and by single writes", async () => {
  const text = "complete bytes, long enough to be cut in half by a crash\n".repeat(20);
  const hash = new Bun.CryptoHasher("sha256").update(text).digest("hex");
  const blobPath = blobsOf(server.files).pathOf(hash);
  const leavePartial = async () => {
    server.files.collect([hash]); // whatever is there and unreferenced goes
    await Bun.write(blobPath, text.slice(0, 100));
  };
  const src = tempDir("quiver-races-partial-");
  await Bun.write(join(src, "doc.md"), text);

  await leavePartial();
  await importTree(server.files, { root: src, prefix: "partial-worker/" });
  expect(await readText(server.files, "partial-worker/doc.md")).toBe(text);

  server.files.delete("partial-worker/doc.md");
  await leavePartial();
  await importTree(server.files, { root: src, prefix: "partial-thread/", worker: false });
  expect(await readText(server.files, "partial-thread/doc.md")).toBe(text);

  server.files.delete("partial-thread/doc.md");
  await leavePartial();
  await server.files.put("partial-single.md", bytes(text));
  expect(await readText(server.files, "partial-single.md")).toBe(text);
  rmSync(src, { recursive: true, force: true });
});

test("no temp files are left behind by any of it", () => {
  expect(readdirSync(join(dir, "tmp"))).toEqual([]);
});
