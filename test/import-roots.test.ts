import { afterAll, describe, expect, test } from "bun:test";
import {
  appendFileSync,
  mkdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { spawn, spawnSync } from "bun";
import { loadConfig } from "../src/config.ts";
import { importTree } from "../src/importer/import-tree.ts";
import { type Prepared, type PrepareItem, prepareBatch } from "../src/importer/prepare-file.ts";
import { resolveImportPath } from "../src/importer/roots.ts";
import { walkTree } from "../src/importer/walk.ts";
import { jobKinds } from "../src/jobs/registry.ts";
import { workerArgs } from "../src/jobs/supervisor.ts";
import { runOneJob } from "../src/jobs/worker.ts";
import { openSqliteServices } from "../src/services.ts";
import { ROOT } from "./support/binary.ts";
import { request, tempDir, testServer } from "./support/services.ts";
import { blobsOf } from "./support/store-internals.ts";

// The import roots: what an import reads must be a regular file that was under the root
// when walked, whatever is swapped in meanwhile (by accident or to make quiver read
// something else), and errors must not tell what exists outside the roots.
const work = tempDir("quiver-roots-");
const root = join(work, "root");
const outside = join(work, "outside");
mkdirSync(root);
mkdirSync(outside);
writeFileSync(join(outside, "secret.txt"), "SECRET outside the import root\n");
const server = testServer({ importRoots: [root] });
afterAll(() => {
  server.close();
  rmSync(work, { recursive: true, force: true });
});

const opts = { concurrency: 2, index: true, maxFileBytes: 1 << 30 };
/** Walks `dir`, lets `swap` change the tree, then prepares what was walked. */
async function walkSwapPrepare(dir: string, swap: () => void): Promise<Prepared[]> {
  const walked = walkTree(dir, false);
  swap();
  const items: PrepareItem[] = walked.files.map((f) => ({ ...f, path: `t/${f.rel}` }));
  return prepareBatch(blobsOf(server.services.files), items, opts);
}
const sizes = (prepared: Prepared[]) =>
  prepared.map((p) => (p.kind === "write" ? p.entry.size : p.kind));

describe("a tree changed between the walk and the read (item 12, 13)", () => {
  test("a file replaced by a symlink to a file outside the root is not read", async () => {
    const dir = join(root, "swap-file");
    mkdirSync(dir);
    writeFileSync(join(dir, "a.txt"), "inside\n");
    const prepared = await walkSwapPrepare(dir, () => {
      unlinkSync(join(dir, "a.txt"));
      symlinkSync(join(outside, "secret.txt"), join(dir, "a.txt"));
    });
    expect(prepared).toEqual([{ kind: "skipped", reason: expect.stringContaining("symbolic") }]);
  });

  test("a directory replaced by a symlink to a directory outside: its files are not read", async () => {
    const dir = join(root, "swap-dir");
    mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(join(dir, "sub", "secret.txt"), "inside, same name\n");
    const prepared = await walkSwapPrepare(dir, () => {
      renameSync(join(dir, "sub"), join(work, "moved-away"));
      symlinkSync(outside, join(dir, "sub"));
    });
    expect(prepared).toEqual([
      { kind: "skipped", reason: "replaced by another file since it was listed (not read)" },
    ]);
  });

  test("a FIFO swapped in is skipped at once (no hang), and the batch goes on", async () => {
    const dir = join(root, "swap-fifo");
    mkdirSync(dir);
    writeFileSync(join(dir, "a.txt"), "will be a fifo\n");
    writeFileSync(join(dir, "b.txt"), "stays a file\n");
    const prepared = await walkSwapPrepare(dir, () => {
      unlinkSync(join(dir, "a.txt"));
      expect(spawnSync(["mkfifo", join(dir, "a.txt")]).exitCode).toBe(0);
    });
    expect(prepared[0]).toEqual({ kind: "skipped", reason: expect.stringContaining("regular") });
    expect(sizes(prepared)[1]).toBe(13);
  }, 10_000);

  test("a device node swapped in is not read", async () => {
    const dir = join(root, "swap-dev");
    mkdirSync(dir);
    writeFileSync(join(dir, "zero"), "small\n");
    let made = false;
    const prepared = await walkSwapPrepare(dir, () => {
      unlinkSync(join(dir, "zero"));
      // /dev/zero's numbers; needs root (CI runs as root). Otherwise a symlink to it.
      made = spawnSync(["mknod", join(dir, "zero"), "c", "1", "5"]).exitCode === 0;
      if (!made) symlinkSync("/dev/zero", join(dir, "zero"));
    });
    expect(prepared).toEqual([{ kind: "skipped", reason: expect.any(String) }]);
  }, 10_000);

  test("the size is the open file's: one grown past the per-file limit is skipped", async () => {
    const dir = join(root, "grows");
    mkdirSync(dir);
    writeFileSync(join(dir, "log.txt"), "short\n");
    const walked = walkTree(dir, false);
    appendFileSync(join(dir, "log.txt"), "x".repeat(8192)); // same inode, now over the limit
    const items = walked.files.map((f) => ({ ...f, path: `t/${f.rel}` }));
    const prepared = await prepareBatch(blobsOf(server.services.files), items, {
      ...opts,
      maxFileBytes: 4096,
    });
    expect(prepared).toEqual([
      {
        kind: "skipped",
        reason: "larger than the per-file import limit (8198 > 4096 bytes)",
      },
    ]);
    truncateSync(join(dir, "log.txt"), 3);
    const again = await prepareBatch(blobsOf(server.services.files), items, opts);
    expect(sizes(again)).toEqual([3]);
  });

  test("importTree with maxFileBytes skips bigger files and says why", async () => {
    const dir = join(root, "limit");
    mkdirSync(dir);
    writeFileSync(join(dir, "big.txt"), "b".repeat(5000));
    writeFileSync(join(dir, "small.txt"), "s");
    const summary = await importTree(server.services.files, {
      root: dir,
      prefix: "limit/",
      maxFileBytes: 4096,
    });
    expect(summary.added).toBe(1);
    expect(summary.skipped_list).toEqual([
      { rel: "big.txt", reason: "larger than the per-file import limit (5000 > 4096 bytes)" },
    ]);
  });

  test("a directory flipping between a real one and a link to outside is never walked through", async () => {
    const dir = join(root, "flip");
    mkdirSync(join(dir, "sub"), { recursive: true });
    writeFileSync(join(dir, "sub", "inside.txt"), "inside\n");
    // Another thread swaps sub for a link to the outside directory and back, in a loop,
    // while this one walks; the walks go on until it has flipped 20,000 times.
    const flipper = new Worker(new URL("./support/flip-worker.ts", import.meta.url));
    const shared = new SharedArrayBuffer(8);
    const state = new Int32Array(shared);
    const stopped = new Promise((resolve) => (flipper.onmessage = resolve));
    flipper.postMessage({ dir: join(dir, "sub"), target: outside, shared });
    const seen = new Set<string>();
    try {
      while (Atomics.load(state, 1) < 20_000)
        for (const f of walkTree(dir, false).files) seen.add(f.rel);
    } finally {
      Atomics.store(state, 0, 1);
      await stopped;
      flipper.terminate();
    }
    expect([...seen].filter((rel) => rel.includes("secret"))).toEqual([]);
  }, 60_000);
});

describe("cancel interrupts a file being read (item 13)", () => {
  test("a canceled import stops inside a large file's read and does not store it", async () => {
    const dir = join(root, "huge");
    mkdirSync(dir);
    // Sparse: 400 MB that take no disk to make, and whole seconds to hash and store.
    writeFileSync(join(dir, "huge.bin"), "");
    truncateSync(join(dir, "huge.bin"), 400 * 1024 * 1024);
    const started = await request(server, "/tools/import_path", {
      body: { path: dir, prefix: "huge/" },
    });
    expect(started.status).toBe(200);
    const id = started.json.job_id;
    const running = runOneJob(server.services, { kinds: jobKinds });
    // Cancel as soon as the job is running: its read of huge.bin is under way then.
    while (server.services.jobs.view(id).status !== "running") await Bun.sleep(5);
    expect((await request(server, "/tools/cancel_job", { body: { job_id: id } })).status).toBe(200);
    await running;
    const job = server.services.jobs.view(id);
    expect(job.status).toBe("canceled");
    expect(server.services.files.get("huge/huge.bin")).toBeUndefined();
  }, 60_000);
});

describe("outside the roots, one answer whether the path exists or not (item 14)", () => {
  test("existing and missing paths outside the roots get the same 403", () => {
    const answer = (path: string) => {
      try {
        resolveImportPath(path, [root]);
        return "allowed";
      } catch (err) {
        const e = err as { status: number; code: string; message: string };
        return `${e.status} ${e.code} ${e.message.replace(path, "<path>")}`;
      }
    };
    symlinkSync(join(outside, "no-such-dir"), join(root, "dangling"));
    symlinkSync(outside, join(root, "to-outside"));
    const existing = [outside, "/etc", join(root, ".."), join(root, "to-outside")];
    const missing = [join(outside, "nope"), "/no/such/dir", join(root, "dangling")];
    const answers = new Set([...existing, ...missing].map(answer));
    expect([...answers]).toEqual([
      `403 outside_import_roots <path> is not a directory under the import roots (${root})`,
    ]);
    // Inside a root, "missing" is a plain 404.
    expect(answer(join(root, "not-yet"))).toStartWith("404 not_found");
    expect(answer(root)).toBe("allowed");
  });
});

describe("quiver index /proc/self/ (item 15)", () => {
  test("reads only what the open files' sizes allow, and finishes", async () => {
    const data = join(work, "proc-data");
    const proc = spawn(
      ["bun", join(ROOT, "src/main.ts"), "index", "/proc/self/", "--data", data, "--json"],
      { stdout: "pipe", stderr: "pipe", cwd: ROOT },
    );
    const [code, out] = await Promise.all([proc.exited, new Response(proc.stdout).text()]);
    expect(code).toBe(0);
    const summary = JSON.parse(out);
    // /proc files say size 0 and then yield data (pagemap: gigabytes). None of that is
    // imported: what was stored is what the descriptors' sizes allowed — empty files only.
    const stored = openSqliteServices(loadConfig({ data, quiet: true }, {}));
    try {
      const page = stored.files.list("", 1000);
      expect(page.files.length).toBe(summary.added);
      expect(page.files.filter((f) => f.size > 0)).toEqual([]);
      expect(stored.files.get("status")).toBeUndefined(); // /proc/self/status has text
    } finally {
      stored.close();
    }
  }, 60_000);
});

describe("the per-file import limit's flag", () => {
  test("default 1 GiB; --max-import-file and QUIVER_MAX_IMPORT_FILE set it; the job worker gets it", () => {
    expect(loadConfig({}, {}).maxImportFileBytes).toBe(1024 ** 3);
    expect(loadConfig({ "max-import-file": "2KiB" }, {}).maxImportFileBytes).toBe(2048);
    expect(loadConfig({}, { QUIVER_MAX_IMPORT_FILE: "5MiB" }).maxImportFileBytes).toBe(5 << 20);
    const args = workerArgs(loadConfig({ "max-import-file": "3KiB" }, {}));
    expect(args.slice(args.indexOf("--max-import-file"))).toEqual(["--max-import-file", "3072"]);
  });
});

describe("the walk without /proc/self/fd", () => {
  test("lists the same files and skips the same entries as the walk through descriptors", () => {
    const dir = join(root, "both-walks");
    mkdirSync(join(dir, "a", "b"), { recursive: true });
    writeFileSync(join(dir, "top.md"), "top\n");
    writeFileSync(join(dir, "a", "one.md"), "one\n");
    writeFileSync(join(dir, "a", "b", "two.md"), "two\n");
    writeFileSync(join(dir, ".hidden"), "h\n");
    symlinkSync(outside, join(dir, "a", "link-dir"));
    symlinkSync(join(outside, "secret.txt"), join(dir, "link-file"));
    expect(spawnSync(["mkfifo", join(dir, "a", "pipe")]).exitCode).toBe(0);
    const viaFds = walkTree(dir, false, undefined, true);
    const byPath = walkTree(dir, false, undefined, false);
    expect(byPath).toEqual(viaFds);
    expect(viaFds.files.map((f) => f.rel)).toEqual(["a/b/two.md", "a/one.md", "top.md"]);
    expect(viaFds.skipped.map((s) => s.rel).sort()).toEqual(["a/link-dir", "a/pipe", "link-file"]);
  });
});
