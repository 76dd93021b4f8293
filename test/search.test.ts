import { afterAll, describe, expect, test } from "bun:test";
import { deleteFile } from "../src/tools/delete-file.ts";
import { readFile } from "../src/tools/read-file.ts";
import { search } from "../src/tools/search.ts";
import { writeFile } from "../src/tools/write-file.ts";
import { randomQuery, rng } from "./support/fuzz.ts";
import { request, testServer, toolCaller } from "./support/services.ts";

const server = testServer();
const call = toolCaller(server.services);
afterAll(() => server.close());

const find = (params: Record<string, unknown>) => call(search, params);
const write = (path: string, content: string) => call(writeFile, { path, content });

// A fixture corpus of our own: filler files that share vocabulary, and a few with
// something unique to find.
const filler = (i: number) =>
  `# Notes ${i}\n\nThe quick brown fox jumps over the lazy dog. Configuration files live in etc.\n\n` +
  `## Details\n\nEach server reads its configuration at start and logs a line per request.\n`;
await Promise.all(
  Array.from({ length: 30 }, (_, i) =>
    write(`corpus/note-${String(i).padStart(2, "0")}.md`, filler(i)),
  ),
);
const GUIDE = [
  "Guide",
  "=====",
  "",
  "Intro paragraph about servers.",
  "",
  "Installing",
  "----------",
  "",
  "Run the zanzibar-quokka installer twice.",
  "It is idempotent.",
  "",
  "Removing",
  "--------",
  "",
  "Delete the folder.",
].join("\n");
await write("corpus/guide.rst", GUIDE);
await write("other/readme.md", "# Other\n\nThe quick brown fox visits another folder.\n");

describe("search tool", () => {
  test("a unique phrase ranks its file first, with the lines that matter", async () => {
    const res = await find({ query: '"zanzibar quokka installer"' });
    expect(res.results[0]).toMatchObject({ path: "corpus/guide.rst", line_start: 6, line_end: 10 });
    expect(res.results[0].score).toBeGreaterThan(0);
    expect(res.results[0].snippet).toContain("«zanzibar-quokka installer»");
    // The range is the "Installing" section: read_file shows the heading and the match.
    const hit = res.results[0];
    const window = await call(readFile, {
      path: hit.path,
      offset: hit.line_start,
      limit: hit.line_end - hit.line_start + 1,
    });
    expect(window.content).toBe(
      "Installing\n----------\n\nRun the zanzibar-quokka installer twice.\nIt is idempotent.",
    );
  });

  test("more specific matches score higher", async () => {
    const res = await find({ query: "fox OR quokka", limit: 50 });
    expect(res.total).toBe(32);
    const scores = res.results.map((r: any) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  test("an overwrite replaces passages at once; a delete removes them", async () => {
    await write("tmp/live.txt", "the first marmalade version");
    expect((await find({ query: "marmalade" })).results.map((r: any) => r.path)).toEqual([
      "tmp/live.txt",
    ]);
    await write("tmp/live.txt", "now about pineapples");
    expect((await find({ query: "marmalade" })).results).toEqual([]);
    expect((await find({ query: "pineapples" })).results).toHaveLength(1);
    await call(deleteFile, { path: "tmp/live.txt" });
    expect((await find({ query: "pineapples" })).results).toEqual([]);
  });

  test("pagination is stable and complete", async () => {
    const all = {
      ...(await find({ query: "configuration", limit: 50 })),
      results: [
        ...(await find({ query: "configuration", limit: 50 })).results,
        ...(await find({ query: "configuration", limit: 50, offset: 50 })).results,
      ],
    };
    expect(all.total).toBe(60); // two passages in each of the 30 notes
    const seen: string[] = [];
    for (let offset = 0; offset < all.total; offset += 7) {
      const page = await find({ query: "configuration", limit: 7, offset });
      seen.push(...page.results.map((r: any) => `${r.path}:${r.line_start}`));
    }
    expect(seen).toEqual(all.results.map((r: any) => `${r.path}:${r.line_start}`));
    expect(new Set(seen).size).toBe(60);
    expect((await find({ query: "configuration", offset: 60 })).results).toEqual([]);
  });

  test("path_prefix and path: filter, alone or together", async () => {
    const paths = async (params: Record<string, unknown>) =>
      (await find({ limit: 50, ...params })).results.map((r: any) => r.path);
    expect(await paths({ query: "quick fox", path_prefix: "other/" })).toEqual(["other/readme.md"]);
    expect(await paths({ query: "path:other/ quick fox" })).toEqual(["other/readme.md"]);
    expect((await paths({ query: "quick fox", path_prefix: "corpus/" })).length).toBe(30);
    expect(await paths({ query: "path:corpus/ fox", path_prefix: "other/" })).toEqual([]);
    await expect(find({ query: "fox", path_prefix: "../etc" })).rejects.toMatchObject({
      status: 400,
    });
  });

  test("accents fold both ways", async () => {
    await write("intl/fr.txt", "Un café crème à Noël");
    expect((await find({ query: "cafe creme noel" })).results[0]?.path).toBe("intl/fr.txt");
    await write("intl/plain.txt", "resume of naive ideas");
    expect((await find({ query: "résumé naïve" })).results[0]?.path).toBe("intl/plain.txt");
  });

  test("non-Latin text is found: Greek, Cyrillic, Devanagari, and CJK inside a sentence", async () => {
    await write(
      "intl/mixed.txt",
      "Ωμέγα κείμενο\n\nПривет мир\n\nहिन्दी भाषा\n\n私は東京都に住んでいます\n\n한국어텍스트입니다",
    );
    for (const q of ["κείμενο", "мир", "हिन्दी", "東京", "住んで", "텍스트"]) {
      const res = await find({ query: q });
      expect(res.results[0]?.path, q).toBe("intl/mixed.txt");
    }
    const res = await find({ query: "東京" });
    expect(res.results[0].snippet).toContain("«東京»");
    expect(res.results[0].snippet).not.toContain("\u200b");
  });

  test("scores stay positive even where bm25 is tiny (a term in most passages)", async () => {
    // "configuration" is in 60 of the ~75 passages: FTS5 clamps its IDF to 1e-6.
    const res = await find({ query: "configuration", limit: 50 });
    expect(res.results.length).toBe(50);
    for (const r of res.results) expect(r.score).toBeGreaterThan(0);
  });

  test("binary files are stored but not searchable", async () => {
    const bytes = new Uint8Array([0x00, 0x01, ...new TextEncoder().encode("hiddenword")]);
    await call(writeFile, {
      path: "bin/blob.dat",
      content: Buffer.from(bytes).toString("base64"),
      encoding: "base64",
    });
    expect(server.services.files.get("bin/blob.dat")?.is_text).toBe(false);
    expect((await find({ query: "hiddenword" })).results).toEqual([]);
  });

  test("limit is capped at 50 and a bad query is a 400 that names no SQLite", async () => {
    await expect(find({ query: "fox", limit: 51 })).rejects.toMatchObject({ status: 400 });
    const err = await find({ query: "((( ***" }).catch((e) => e);
    expect(err).toMatchObject({ status: 400, code: "invalid_query" });
    expect(err.message).not.toMatch(/fts5|sqlite/i);
  });
});

describe("search fuzz", () => {
  test("through the tool function: results or a 400, never anything else", async () => {
    const next = rng(42);
    for (let i = 0; i < 2000; i++) {
      const query = randomQuery(next);
      try {
        const res = await find({ query, limit: 3 });
        expect(Array.isArray(res.results)).toBe(true);
      } catch (err) {
        expect((err as any).status, JSON.stringify(query)).toBe(400);
        expect((err as Error).message).not.toMatch(/fts5|sqlite/i);
      }
    }
  });

  test("through the HTTP handler: status 200 or 400 with the error shape", async () => {
    const next = rng(7);
    const statuses = new Set<number>();
    for (let i = 0; i < 1500; i++) {
      const query = randomQuery(next);
      const params: Record<string, unknown> = { query };
      if (next() < 0.1) params.path_prefix = randomQuery(next);
      const res = await request(server, "/tools/call", {
        body: { name: "search", parameters: params },
      });
      statuses.add(res.status);
      if (res.status === 200) expect(Array.isArray(res.json.results)).toBe(true);
      else {
        expect(res.status, JSON.stringify(query)).toBe(400);
        expect(typeof res.json.error.code).toBe("string");
        expect(typeof res.json.error.message).toBe("string");
        expect(res.text).not.toMatch(/fts5|sqlite/i);
      }
    }
    expect([...statuses].sort()).toEqual([200, 400]);
  });
});

describe("upgrading a data directory from before search", () => {
  test("text files stored before the search migration become searchable at the next open, once", async () => {
    const { Database } = await import("bun:sqlite");
    const { migrations } = await import("../src/store/migrations.ts");
    const { BlobStore } = await import("../src/store/blobs.ts");
    const { openSqliteServices } = await import("../src/services.ts");
    const { loadConfig } = await import("../src/config.ts");
    const { tempDir } = await import("./support/services.ts");
    const dir = tempDir();
    // A database as the previous release left it: every migration before search's, one
    // text and one binary file.
    const searchMigration = migrations.findIndex((m) => m.includes("passages_fts"));
    const db = new Database(`${dir}/quiver.db`, { create: true });
    for (const m of migrations.slice(0, searchMigration)) db.run(m);
    db.run(`PRAGMA user_version = ${searchMigration}`);
    const blobs = new BlobStore(dir);
    const text = await blobs.write([new TextEncoder().encode("# Old\n\nan old capybara note\n")]);
    const bin = await blobs.write([new Uint8Array([0, 1, 2, 99])]);
    text.release();
    bin.release();
    const ins = db.prepare(
      "INSERT INTO files (path, hash, size, content_type, is_text, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 0, 0)",
    );
    ins.run("old/note.md", text.hash, text.size, "text/markdown", 1);
    ins.run("old/blob.bin", bin.hash, bin.size, "application/octet-stream", 0);
    db.close();

    const config = loadConfig({ data: dir, quiet: true }, {});
    let services = openSqliteServices(config);
    expect(services.index.search("capybara").results).toMatchObject([
      { path: "old/note.md", line_start: 1, line_end: 3 },
    ]);
    expect(services.index.passageCount()).toBe(1);
    services.close();
    services = openSqliteServices(config); // no second copy of the passages
    expect(services.index.passageCount()).toBe(1);
    services.close();
  });
});
