import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startPreparer } from "../src/importer/batch-preparer.ts";
import { importTree } from "../src/importer/import-tree.ts";
import type { Prepared, PrepareItem } from "../src/importer/prepare-file.ts";
import { decodeBatch, encodeBatch } from "../src/importer/prepared-wire.ts";
import { chunkText } from "../src/store/chunk.ts";
import { passagesForIndex } from "../src/store/index-passages.ts";
import { segmentText } from "../src/store/search-text.ts";
import { rawDatabase, type TestServer, tempDir, testServer } from "./support/services.ts";
import { blobsOf } from "./support/store-internals.ts";

// The import's per-file work runs on a worker thread (batch-preparer.ts), or in the main
// thread when no worker starts. These tests hold the two paths to the same results.

/** A tree with the cases that take different branches: headings, CRLF, CJK, NFD, binary, long lines. */
function mixedTree(): string {
  const root = tempDir("quiver-wtree-");
  const put = (rel: string, content: string | Uint8Array) => {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), content);
  };
  put(
    "a/readme.md",
    "# Title\n\nIntro about wombats.\n\n## Part\n\n```\n# not a heading\n```\nmore text\n",
  );
  put("a/usage.rst", "=====\nUsage\n=====\n\nCall it.\n\nSection\n-------\n\nbody text here\n");
  put("a/crlf.txt", "line one\r\nline two\r\n\r\nthird paragraph, kangaroo\r\n");
  put("a/old-mac.txt", "first\rsecond\rthird platypus\r");
  put("b/cjk.md", "# 東京\n\n東京タワーは高いです。Tokyo tower is tall.\n\n서울 is in 한국.\n");
  put("b/nfd.txt", "cafe\u0301 au lait, re\u0301sume\u0301\n"); // decomposed accents
  put("b/long.txt", `${"x".repeat(7000)}\nshort tail line\n`);
  put("b/empty.txt", "");
  put("b/blank.txt", "\n\n   \n");
  put(
    "b/bad-utf8.txt",
    new Uint8Array([
      ...new TextEncoder().encode("ok start ".repeat(1000)),
      0xff,
      0xfe,
      ...new TextEncoder().encode(" end\n"),
    ]),
  );
  put("c/bin.dat", new Uint8Array([1, 2, 0, 3, 4]));
  for (let i = 0; i < 40; i++)
    put(
      `d/f${String(i).padStart(2, "0")}.md`,
      `# Note ${i}\n\n${"echidna ".repeat(i * 30)}\n\nend of note ${i}\n`,
    );
  return root;
}

function dump(server: TestServer) {
  const db = rawDatabase(server);
  return {
    files: db
      .query("SELECT path, hash, size, content_type, is_text FROM files ORDER BY path")
      .all(),
    passages: db
      .query(
        "SELECT f.path, p.line_start, p.line_end, t.text FROM passages p JOIN passages_fts t ON t.rowid = p.id JOIN files f ON f.id = p.file_id ORDER BY f.path, p.id",
      )
      .all(),
  };
}

describe("import on a worker thread", () => {
  const servers: TestServer[] = [];
  const dirs: string[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const server = () => {
    const s = testServer();
    servers.push(s);
    return s;
  };

  test("the worker path starts (from source) and prepares what the main thread would", async () => {
    const s = server();
    const preparer = await startPreparer(blobsOf(s.services.files), {
      concurrency: 4,
      index: true,
      maxFileBytes: 1 << 30,
    });
    try {
      expect(preparer.where).toBe("worker");
    } finally {
      preparer.close();
    }
  });

  test("worker and in-thread imports store the same files, passages and search results", async () => {
    const root = mixedTree();
    dirs.push(root);
    const viaWorker = server();
    const inThread = server();
    // Small batches: several in flight at once, and the first-batch ramp is exercised.
    const a = await importTree(viaWorker.services.files, { root, prefix: "m/", batchFiles: 7 });
    const b = await importTree(inThread.services.files, {
      root,
      prefix: "m/",
      batchFiles: 7,
      worker: false,
    });
    const counts = (x: typeof a) => ({ ...x, seconds: 0 });
    expect(counts(a)).toEqual(counts(b));
    expect(a).toMatchObject({ added: 51, skipped_binary: 1, skipped: 0 });
    const da = dump(viaWorker);
    expect(da).toEqual(dump(inThread));
    expect(da.passages.length).toBeGreaterThan(60);
    for (const q of [
      "wombats",
      "kangaroo",
      "platypus",
      "東京",
      "タワー",
      "한국",
      "café",
      "resume",
      "echidna",
      "tail",
      '"end of note 7"',
    ]) {
      const r1 = viaWorker.services.index.search(q, { limit: 50 });
      expect(r1.results.length, q).toBeGreaterThan(0);
      expect(r1).toEqual(inThread.services.index.search(q, { limit: 50 }));
    }
    // The passages are exactly what SearchIndex.index makes of the file in place.
    const direct = server();
    const text = "# 東京\n\n東京タワーは高いです。Tokyo tower is tall.\n\n서울 is in 한국.\n";
    await direct.services.files.put("m/b/cjk.md", [new TextEncoder().encode(text)]);
    expect(dump(direct).passages).toEqual(
      da.passages.filter((p) => (p as { path: string }).path === "m/b/cjk.md"),
    );
  });

  test("a second import through the worker finds everything unchanged; an edit updates one file", async () => {
    const root = mixedTree();
    dirs.push(root);
    const s = server();
    await importTree(s.services.files, { root, batchFiles: 9 });
    expect(await importTree(s.services.files, { root, batchFiles: 9 })).toMatchObject({
      added: 0,
      updated: 0,
      unchanged: 51,
    });
    writeFileSync(join(root, "d/f03.md"), "# Changed\n\nnow about quokkas\n");
    expect(await importTree(s.services.files, { root, batchFiles: 9 })).toMatchObject({
      added: 0,
      updated: 1,
      unchanged: 50,
    });
    expect(s.services.index.search("quokkas").results.map((r) => r.path)).toEqual(["d/f03.md"]);
    expect(s.services.index.search('"end of note 3"').results).toEqual([]);
  });

  for (const worker of [true, false]) {
    test(`a file that cannot be read is reported skipped, the rest imported (${worker ? "worker" : "in-thread"})`, async () => {
      const root = tempDir("quiver-wtree-");
      dirs.push(root);
      for (let i = 0; i < 30; i++)
        writeFileSync(join(root, `f${String(i).padStart(2, "0")}.txt`), `file ${i} numbat\n`);
      const s = server();
      // Deleted after the walk listed it and before its batch is prepared (batches of one
      // file, at most five in flight): its read fails with ENOENT.
      let removed = false;
      const summary = await importTree(s.services.files, {
        root,
        batchFiles: 1,
        worker,
        onProgress: () => {
          if (!removed) unlinkSync(join(root, "f25.txt"));
          removed = true;
        },
      });
      expect(summary).toMatchObject({ added: 29, skipped: 1, files: 30 });
      expect(summary.skipped_list).toEqual([{ rel: "f25.txt", reason: "unreadable (ENOENT)" }]);
      expect(s.services.files.get("f25.txt")).toBeUndefined();
      expect(s.services.files.count()).toBe(29);
    });
  }

  test("in-thread, an abort commits at most the one batch prepared ahead", async () => {
    const root = tempDir("quiver-wtree-");
    dirs.push(root);
    for (let i = 0; i < 50; i++) writeFileSync(join(root, `f${i}.txt`), `file ${i}\n`);
    const s = server();
    const controller = new AbortController();
    const summary = await importTree(s.services.files, {
      root,
      batchFiles: 5,
      worker: false,
      signal: controller.signal,
      checkpoint: () => controller.abort(),
    });
    expect(summary).toMatchObject({ aborted: true, added: 10 });
    expect(s.services.files.count()).toBe(10);
  });

  test("no worker can start: falls back to preparing in the main thread, same results", async () => {
    const s = server();
    const bad = tempDir("quiver-badworker-");
    dirs.push(bad);
    writeFileSync(join(bad, "throws.ts"), "throw new Error('broken worker');\n");
    for (const workerUrl of [join(bad, "missing.ts"), join(bad, "throws.ts")]) {
      const preparer = await startPreparer(blobsOf(s.services.files), {
        concurrency: 2,
        index: true,
        maxFileBytes: 1 << 30,
        workerUrl,
      });
      try {
        expect(preparer.where).toBe("thread");
        const src = join(bad, "in.txt");
        writeFileSync(src, "fallback text\n");
        const { dev, ino } = statSync(src);
        const [p] = await preparer.prepare([{ abs: src, size: 14, dev, ino, path: "x/in.txt" }]);
        expect(p).toMatchObject({
          kind: "write",
          entry: {
            path: "x/in.txt",
            isText: true,
            passages: [{ line_start: 1, line_end: 1, text: "fallback text" }],
          },
        });
      } finally {
        preparer.close();
      }
    }
  });
});

describe("prepared batches on the wire", () => {
  test("encode then decode gives back every entry and passage", () => {
    const items: PrepareItem[] = ["a", "b", "c", "d", "e"].map((n) => ({
      abs: `/x/${n}`,
      size: 1,
      dev: 1,
      ino: 1,
      path: `p/${n}`,
    }));
    const prepared: Prepared[] = [
      {
        kind: "write",
        entry: {
          path: "p/a",
          hash: "h1",
          size: 10,
          isText: true,
          passages: passagesForIndex("# A\n\nalpha 東京\n\n## B\n\nbeta\n"),
        },
      },
      { kind: "unchanged" },
      { kind: "skipped", reason: "unreadable (EACCES)" },
      { kind: "write", entry: { path: "p/d", hash: "h2", size: 3, isText: false } },
      { kind: "write", entry: { path: "p/e", hash: "h3", size: 0, isText: true, passages: [] } },
    ];
    const wire = encodeBatch(prepared);
    expect(decodeBatch(structuredClone(wire), items)).toEqual(prepared);
  });
});

describe("passagesForIndex", () => {
  test("is chunkText of the NFC text with each passage segmented (the CJK pre-check changes nothing)", () => {
    const texts = [
      "plain ascii only\n\nsecond\n",
      "mixed 東京タワー and latin\n\n한국어 text\n",
      "e\u0301te\u0301 in NFD\n",
      "\u00e9 Latin-1 only, \u00a0 no CJK\n",
      "emoji 😀 and Ꭰ Cherokee (above U+1100, not CJK)\n",
    ];
    for (const t of texts) {
      const expected = chunkText(t.normalize("NFC")).map((p) => ({
        ...p,
        text: segmentText(p.text),
      }));
      expect(passagesForIndex(t)).toEqual(expected);
    }
  });

  test("chunkText: every passage is its lines joined by \\n, whatever the line endings", () => {
    const pieces = [
      "",
      " ",
      "\t",
      "\u00a0",
      "# T",
      "   ## s",
      "    # no",
      "```",
      "~~~",
      "Title",
      "=====",
      "-----",
      "w ".repeat(400),
      "中文",
      "***",
    ];
    let seed = 7;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let t = 0; t < 300; t++) {
      const lines = Array.from({ length: rnd(120) }, () => pieces[rnd(pieces.length)]!);
      const seps = lines.map(() => ["\n", "\n", "\n", "\r\n", "\r"][rnd(5)]!);
      const text = lines.map((l, i) => l + seps[i]).join("");
      const split = text.split(/\r\n|\n|\r/);
      for (const p of chunkText(text)) {
        expect(p.text).toBe(split.slice(p.line_start - 1, p.line_end).join("\n"));
        expect(p.text.trim()).not.toBe("");
      }
    }
  });
});
