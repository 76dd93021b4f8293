import { expect, test } from "bun:test";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { toMiniSearch } from "../bench/lib/minisearch-query.ts";
import { tempDir } from "./support/services.ts";

// The benchmark script itself, on a tiny corpus: it must run end to end (import, bare
// FTS5, a real server over HTTP, in-process queries) and write its tables.
test("bench/search.ts runs on a tiny corpus and writes its tables", () => {
  const dir = tempDir("quiver-bench-smoke-");
  const corpus = join(dir, "corpus");
  mkdirSync(join(corpus, "docs/linux"), { recursive: true });
  writeFileSync(
    join(corpus, "docs/linux/locking.rst"),
    "Locking\n=======\n\nA spinlock and a memory barrier.\n",
  );
  writeFileSync(
    join(corpus, "docs/python.md"),
    "# Venv\n\nCreate a virtual environment with a list comprehension.\n",
  );
  const out = join(dir, "search.md");
  const run = Bun.spawnSync(
    [
      process.execPath,
      join(import.meta.dir, "../bench/search.ts"),
      "--corpus",
      corpus,
      "--queries",
      "5",
      "--reps",
      "3",
      "--out",
      out,
    ],
    {
      stderr: "pipe",
    },
  );
  expect(run.exitCode, run.stderr.toString()).toBe(0);
  const md = readFileSync(out, "utf8");
  expect(md).toContain("Corpus: 2 files");
  for (const heading of ["## Ingest", "## Size on disk", "## Query latency (5 queries × 3 runs"])
    expect(md).toContain(heading);
  expect(md).toMatch(/\| HTTP POST \/tools\/search[^|]*\| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
  expect(run.stdout.toString()).toBe(md);
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

// The MiniSearch peer must be asked the same questions quiver is asked.
test("bench queries translate to MiniSearch query trees with the same meaning", () => {
  const word = (w: string, prefix = false) => ({
    queries: [w],
    combineWith: "AND" as const,
    prefix,
  });
  expect(toMiniSearch("memory barrier").query).toEqual({
    combineWith: "AND",
    queries: [word("memory"), word("barrier")],
  });
  expect(toMiniSearch("thread*").query).toEqual(word("thread", true));
  expect(toMiniSearch('"page cache"').query).toEqual({
    queries: ["page cache"],
    combineWith: "AND",
  });
  expect(toMiniSearch("mutex OR semaphore").query).toEqual({
    combineWith: "OR",
    queries: [word("mutex"), word("semaphore")],
  });
  expect(toMiniSearch("socket NOT windows").query).toEqual({
    combineWith: "AND_NOT",
    queries: [word("socket"), word("windows")],
  });
  expect(toMiniSearch("python AND (pickle OR marshal)").query).toEqual({
    combineWith: "AND",
    queries: [word("python"), { combineWith: "OR", queries: [word("pickle"), word("marshal")] }],
  });
  expect(toMiniSearch("path:docs/linux/ scheduler")).toEqual({
    query: word("scheduler"),
    pathPrefix: "docs/linux/",
  });
});
