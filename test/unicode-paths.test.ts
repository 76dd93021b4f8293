import { afterAll, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { importTree } from "../src/importer/import-tree.ts";
import { prefixEnd } from "../src/store/paths.ts";
import { request, tempDir, testServer } from "./support/services.ts";

const server = testServer();
afterAll(() => server.close());

const write = (path: string, content: string) =>
  request(server, "/tools/write_file", { body: { path, content } });
const list = async (prefix: string) =>
  (await request(server, "/tools/list_files", { body: { prefix } })).json.files.map(
    (f: { path: string }) => f.path,
  );

test("a path with a lone surrogate is refused, so two such paths cannot become one file", async () => {
  for (const path of ["lone/a\ud800.txt", "lone/a\udc01.txt", "lone/\ud83d"]) {
    const res = await write(path, `content of ${JSON.stringify(path)}`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_path");
    expect(res.json.error.message).toContain("lone surrogate");
  }
  expect(await list("lone/")).toEqual([]);
  // A whole pair is a character like any other.
  expect((await write("lone/\ud83d\ude00.txt", "smile")).status).toBe(200);
  expect(await list("lone/")).toEqual(["lone/\u{1F600}.txt"]);
});

test("a file whose path continues with U+10FFFF is listed under its prefix", async () => {
  const paths = ["top/\u{10FFFF}", "top/\u{10FFFF}/x.txt", "top/a\u{10FFFF}.txt", "top/z.txt"];
  for (const p of paths) expect((await write(p, p)).status).toBe(200);
  expect((await write("tops.txt", "not under top/")).status).toBe(200);
  expect(await list("top/")).toEqual([...paths].sort());
  expect(await list("top/\u{10FFFF}")).toEqual(["top/\u{10FFFF}", "top/\u{10FFFF}/x.txt"]);
  // Over HTTP too, and page by page.
  const page1 = await request(server, "/files?prefix=top/&limit=2");
  const page2 = await request(
    server,
    `/files?prefix=top/&limit=2&cursor=${page1.json.next_cursor}`,
  );
  expect([...page1.json.files, ...page2.json.files].map((f: { path: string }) => f.path)).toEqual(
    [...paths].sort(),
  );
  expect(prefixEnd("a\u{10FFFF}\u{10FFFF}")).toBe("b");
  expect(prefixEnd("\ud7ff")).toBe("\ue000");
  expect(prefixEnd("\u{10FFFF}")).toBeUndefined();
});

test("an import tree with one name in NFC and in NFD reports the collision, imports one", async () => {
  const root = tempDir("quiver-nfc-");
  writeFileSync(join(root, "caf\u00e9.md"), "NFC spelling\n");
  writeFileSync(join(root, "cafe\u0301.md"), "NFD spelling\n");
  writeFileSync(join(root, "plain.md"), "plain\n");
  const summary = await importTree(server.services.files, { root, prefix: "nfc/" });
  expect(summary.added).toBe(2);
  expect(summary.skipped).toBe(1);
  // Walk order is code point order: the NFD name ("e" + U+0301) comes first and is kept.
  expect(summary.skipped_list).toEqual([
    {
      rel: "caf\u00e9.md",
      reason: expect.stringContaining('as "cafe\u0301.md" (the names differ only in Unicode'),
    },
  ]);
  const read = await request(server, "/tools/read_file", { body: { path: "nfc/caf\u00e9.md" } });
  expect(read.json.content).toBe("NFD spelling");
  expect(await list("nfc/")).toEqual(["nfc/caf\u00e9.md", "nfc/plain.md"]);
  rmSync(root, { recursive: true, force: true });
});

test("an import with sync removes a stored file under the prefix whose path holds U+10FFFF", async () => {
  const root = tempDir("quiver-sync-");
  writeFileSync(join(root, "kept.md"), "kept\n");
  expect((await write("synced/\u{10FFFF}gone.md", "stale")).status).toBe(200);
  const summary = await importTree(server.services.files, {
    root,
    prefix: "synced/",
    sync: true,
  });
  expect(summary.removed).toBe(1);
  expect(await list("synced/")).toEqual(["synced/kept.md"]);
  rmSync(root, { recursive: true, force: true });
});

test("search with path_prefix finds a file whose path continues with U+10FFFF", async () => {
  const path = "srch/\u{10FFFF}/quokka.txt";
  expect((await write(path, "the quokka smiles\n")).status).toBe(200);
  expect((await write("srchz/quokka.txt", "the quokka is elsewhere\n")).status).toBe(200);
  const found = async (body: Record<string, unknown>) =>
    (await request(server, "/tools/search", { body })).json.results.map(
      (r: { path: string }) => r.path,
    );
  expect(await found({ query: "quokka", path_prefix: "srch/" })).toEqual([path]);
  expect(await found({ query: "quokka smiles", path_prefix: "srch/\u{10FFFF}" })).toEqual([path]);
  expect(await found({ query: "quok*", path_prefix: "srch/" })).toEqual([path]);
  // No prefix: every file, the U+10FFFF one included.
  expect((await found({ query: "quokka" })).sort()).toEqual([path, "srchz/quokka.txt"].sort());
});
