import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { importTree } from "../src/importer/import-tree.ts";
import { loadSyncFs } from "../src/store/syncfs.ts";
import { rawDatabase, request, tempDir, testServer } from "./support/services.ts";

const BUN = process.execPath;
const MAIN = join(import.meta.dir, "../src/main.ts");

function tree(): string {
  const root = tempDir("quiver-tree-");
  const put = (rel: string, content: string | Uint8Array) => {
    mkdirSync(join(root, rel, ".."), { recursive: true });
    writeFileSync(join(root, rel), content);
  };
  put("guide/install.md", "# Install\n\nRun the wombat-installer.\n");
  put("guide/usage.rst", "Usage\n=====\n\nCall quiver with care.\n");
  put("notes.txt", "plain notes about otters\n");
  put("image.png", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2, 3]));
  put("fake.txt", new Uint8Array([0x6f, 0x74, 0x74, 0x65, 0x72, 0, 0, 0])); // "otter" + NULs: binary
  put(".hidden/secret.md", "hidden ocelot\n");
  put(".git/config", "[core] gitonly\n");
  put("node_modules/dep/index.js", "module.exports = 'npmonly'\n");
  put("bad%41name.txt", "invalid logical name\n");
  return root;
}

describe("importTree", () => {
  const server = testServer();
  const { files, index } = server.services;
  afterAll(() => server.close());
  const paths = (q: string) => index.search(q, { limit: 50 }).results.map((r) => r.path);

  test("imports text and binary files, skips hidden, .git, node_modules, invalid names and symlinks", async () => {
    const root = tree();
    const outside = tempDir("quiver-outside-");
    writeFileSync(join(outside, "secret.txt"), "outside leopard\n");
    symlinkSync(join(outside, "secret.txt"), join(root, "link-file.txt"));
    symlinkSync(outside, join(root, "link-dir"));
    const progress: number[] = [];
    let checkpoints = 0;
    const s = await importTree(files, {
      root,
      prefix: "t1",
      onProgress: (p) => progress.push(p.files_done),
      checkpoint: () => void checkpoints++,
    });
    expect(s).toMatchObject({
      added: 5,
      updated: 0,
      unchanged: 0,
      skipped_binary: 2,
      removed: 0,
      aborted: false,
    });
    expect(s.skipped_list.map((k) => k.rel).sort()).toEqual([
      "bad%41name.txt",
      "link-dir",
      "link-file.txt",
    ]);
    expect(s.skipped_list.find((k) => k.rel === "link-dir")!.reason).toContain("symbolic link");
    expect(files.get("t1/guide/install.md")?.is_text).toBe(true);
    expect(files.get("t1/image.png")?.is_text).toBe(false);
    expect(files.get("t1/fake.txt")?.is_text).toBe(false);
    // Scoped to t1/: the other tests import the same tree elsewhere in this store.
    expect(paths("path:t1/ wombat")).toEqual(["t1/guide/install.md"]);
    expect(paths("path:t1/ (otters OR otter)")).toEqual(["t1/notes.txt"]); // not the binary fake.txt
    for (const q of ["leopard", "ocelot", "gitonly", "npmonly"])
      expect(paths(`path:t1/ ${q}`), q).toEqual([]);
    expect(progress[progress.length - 1]).toBe(s.files);
    expect(checkpoints).toBeGreaterThan(0);
    rmSync(outside, { recursive: true });
  });

  test("a second run reports everything unchanged; an edit is an update; --sync removes", async () => {
    const root = tree();
    await importTree(files, { root: tree(), prefix: "t2-beside/" });
    await importTree(files, { root, prefix: "t2/" });
    const again = await importTree(files, { root, prefix: "t2/" });
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 5, removed: 0 });

    writeFileSync(join(root, "notes.txt"), "notes about badgers now\n");
    unlinkSync(join(root, "guide/install.md"));
    const edited = await importTree(files, { root, prefix: "t2/" });
    expect(edited).toMatchObject({ added: 0, updated: 1, unchanged: 3, removed: 0 });
    expect(paths("path:t2/ badgers")).toEqual(["t2/notes.txt"]);
    expect(paths("path:t2/ otters")).toEqual([]);
    expect(files.get("t2/guide/install.md")).toBeDefined(); // without sync, kept

    const synced = await importTree(files, { root, prefix: "t2/", sync: true });
    expect(synced).toMatchObject({ removed: 1, unchanged: 4 });
    expect(files.get("t2/guide/install.md")).toBeUndefined();
    expect(paths("path:t2/ wombat")).toEqual([]);
    expect(files.get("t2-beside/guide/install.md")).toBeDefined(); // other prefixes untouched
  });

  test("the search index's bulk-load settings hold during an import and are restored after it, even a failed one", async () => {
    const setting = (k: string) =>
      (
        rawDatabase(server).query("SELECT v FROM passages_fts_config WHERE k = ?").get(k) as {
          v: number;
        } | null
      )?.v;
    const before = [setting("automerge"), setting("hashsize")];
    const during: (number | undefined)[][] = [];
    await importTree(files, {
      root: tree(),
      prefix: "bulk/",
      checkpoint: () => void during.push([setting("automerge"), setting("hashsize")]),
    });
    expect(during[0]).toEqual([16, 16 * 1024 * 1024]);
    const after = [setting("automerge"), setting("hashsize")];
    expect(after).toEqual([before[0] ?? 4, before[1] ?? 1024 * 1024]);
    const failing = importTree(files, {
      root: tree(),
      prefix: "bulk2/",
      checkpoint: () => {
        throw new Error("stop here");
      },
    });
    await expect(failing).rejects.toThrow("stop here");
    expect([setting("automerge"), setting("hashsize")]).toEqual(after);
    // Nothing about the results changes: what was imported is found.
    expect(paths("path:bulk/ wombat")).toEqual(["bulk/guide/install.md"]);
  });

  test("--include-hidden imports dot files but never .git or node_modules", async () => {
    const s = await importTree(files, { root: tree(), prefix: "t3/", includeHidden: true });
    expect(s.added).toBe(6);
    expect(paths("path:t3/ ocelot")).toEqual(["t3/.hidden/secret.md"]);
    expect(paths("path:t3/ gitonly OR npmonly")).toEqual([]);
  });

  test("an aborted import stops between batches and keeps what it committed", async () => {
    const root = tempDir("quiver-tree-");
    for (let i = 0; i < 200; i++) writeFileSync(join(root, `f${i}.txt`), `file ${i}\n`);
    const controller = new AbortController();
    const s = await importTree(files, {
      root,
      prefix: "t4/",
      batchFiles: 5,
      signal: controller.signal,
      checkpoint: () => controller.abort(),
    });
    expect(s.aborted).toBe(true);
    expect(s.added).toBeGreaterThanOrEqual(5);
    // The batch that was committing, plus those already prepared ahead (their blobs are
    // written, so they commit too): at most 4 on the worker thread, 1 in-thread.
    expect(s.added).toBeLessThanOrEqual(25);
    expect(files.list("t4/", 100).files.length).toBe(s.added);
  });

  test("a missing directory or a file as root is a clear 400; a symlinked root is followed", async () => {
    await expect(importTree(files, { root: "/nonexistent/quiver" })).rejects.toMatchObject({
      status: 400,
    });
    const root = tree();
    await expect(importTree(files, { root: join(root, "notes.txt") })).rejects.toMatchObject({
      status: 400,
    });
    const link = join(tempDir("quiver-link-"), "docs");
    symlinkSync(root, link);
    expect(await importTree(files, { root: link, prefix: "t5/" })).toMatchObject({ added: 5 });
  });
});

describe("quiver index / quiver search (CLI)", () => {
  const data = tempDir("quiver-cli-data-");
  afterAll(() => rmSync(data, { recursive: true, force: true }));
  const run = (...args: string[]) => runEnv({}, ...args);
  const runEnv = (env: Record<string, string>, ...args: string[]) => {
    const p = Bun.spawnSync([BUN, MAIN, ...args], {
      env: { ...process.env, QUIVER_TOKEN: "", ...env },
    });
    return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
  };

  // The store the search tests read, indexed before any test (each stands alone).
  beforeAll(() => {
    const indexed = run("index", tree(), "--prefix", "docs/", "--data", data);
    if (indexed.code !== 0) throw new Error(`quiver index failed: ${indexed.err}`);
  });

  test("index prints plain progress lines on stderr and a summary; a rerun is all unchanged", () => {
    const root = tree();
    const own = tempDir("quiver-cli-data-");
    const first = run("index", root, "--prefix", "docs/", "--data", own);
    expect(first.code).toBe(0);
    expect(first.err).toMatch(/^indexing: 100% 6\/6 files/m);
    expect(first.out).toMatch(/added +5\n/);
    expect(first.out).toMatch(/skipped-binary +2/);
    expect(first.out).toContain("bad%41name.txt: invalid logical path");
    expect(first.out).toMatch(/MB\/s/);
    const second = run("index", root, "--prefix", "docs/", "--data", own, "--json");
    expect(JSON.parse(second.out)).toMatchObject({ added: 0, updated: 0, unchanged: 5 });
    rmSync(own, { recursive: true, force: true });
  });

  test("without syncfs (other systems), blobs are fsynced one by one and the import is the same", () => {
    if (process.platform === "linux") expect(loadSyncFs()).toBeFunction(); // the fast path is what the other tests ran
    const other = tempDir("quiver-cli-data-");
    const res = runEnv({ QUIVER_NO_SYNCFS: "1" }, "index", tree(), "--data", other, "--json");
    expect(JSON.parse(res.out)).toMatchObject({ added: 5, skipped_binary: 2 });
    expect(run("search", "wombat", "--data", other).out).toContain("guide/install.md:1-3");
    rmSync(other, { recursive: true, force: true });
  });

  test("index works while a server has the same data directory open, and the server sees the files at once", async () => {
    const server = testServer();
    // A write through the server holds no lock between requests; the CLI's batches wait
    // on busy_timeout if they collide with one.
    const writes = Array.from({ length: 20 }, (_, i) =>
      request(server, "/tools/call", {
        body: {
          name: "write_file",
          parameters: { path: `live/${i}.txt`, content: `live write ${i} aardvark` },
        },
      }),
    );
    const cli = Bun.spawn(
      [BUN, MAIN, "index", tree(), "--prefix", "cli/", "--data", server.config.dataDir, "--json"],
      {
        env: { ...process.env, QUIVER_TOKEN: "" },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    expect((await Promise.all(writes)).every((r) => r.status === 200)).toBe(true);
    expect(await cli.exited).toBe(0);
    expect(JSON.parse(await new Response(cli.stdout).text())).toMatchObject({ added: 5 });
    const res = await request(server, "/tools/search", {
      body: { query: "wombat OR aardvark", limit: 50 },
    });
    expect(res.json.total).toBe(21);
    expect(res.json.results.map((r: any) => r.path)).toContain("cli/guide/install.md");
    server.close();
  });

  test("search prints path:lines, score and a marked snippet; exit 1 when nothing matches", () => {
    const hit = run("search", "wombat", "--data", data);
    expect(hit.code).toBe(0);
    expect(hit.out).toMatch(
      /^docs\/guide\/install\.md:1-3 {2}\(score [\d.e+-]+\)\n {4}.*«wombat»/m,
    );
    const json = JSON.parse(
      run("search", "quiver OR wombat", "--limit", "1", "--json", "--data", data).out,
    );
    expect(json.results).toHaveLength(1);
    expect(json.total).toBe(2);
    const none = run("search", "nothingmatchesthis", "--data", data);
    expect(none).toMatchObject({ code: 1, out: "no matches\n" });
    const bad = run("search", "(((", "--data", data);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("no searchable words");
  });
});

describe("importTree failures", () => {
  test("a checkpoint that throws stops the import with that error, after the batch it follows committed", async () => {
    const server = testServer();
    const root = tempDir("quiver-tree-");
    for (let i = 0; i < 12; i++) writeFileSync(join(root, `f${i}.txt`), `file ${i}\n`);
    const stop = new Error("job lease lost");
    await expect(
      importTree(server.services.files, {
        root,
        batchFiles: 4,
        checkpoint: () => {
          throw stop;
        },
      }),
    ).rejects.toBe(stop);
    expect(server.services.files.list("", 100).files.map((f) => f.path)).toEqual([
      "f0.txt",
      "f1.txt",
      "f10.txt",
      "f11.txt",
    ]);
    server.close();
  });
});
