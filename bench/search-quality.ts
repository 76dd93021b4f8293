#!/usr/bin/env bun
// Section: search relevance on the shared corpus's development query sets (questions and
// keyword known-item queries, ../shared/corpus/queries/README.md), for quiver, for the
// strategy quiver used before issue 14 (every word required: the AND of the words, plain
// BM25, on the same index) and for MiniSearch with its own defaults on the same passages;
// then quiver's latency on those queries, in-process (the search tool through callTool)
// and over HTTP (POST /tools/search on a running `quiver serve`).
//
//   bun bench/search-quality.ts                         # ../shared/corpus (or QUIVER_CORPUS)
//   bun bench/search-quality.ts --corpus DIR|FILE.tar.gz --queries DIR --reps N
//   bun bench/search-quality.ts --smoke                 # a generated corpus, seconds
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import MiniSearch from "minisearch";
import { loadConfig } from "../src/config.ts";
import { importTree } from "../src/importer/import-tree.ts";
import { openSqliteServices } from "../src/services.ts";
import { chunkText } from "../src/store/chunk.ts";
import { openDatabase } from "../src/store/db.ts";
import { parseQuery } from "../src/store/query.ts";
import { callTool } from "../src/tools/pipeline.ts";
import { search } from "../src/tools/search.ts";
import { progress } from "./lib/args.ts";
import { CORPUS_TARBALL } from "./lib/corpus.ts";
import { untilRanked } from "./lib/ranking.ts";
import { removeScratch } from "./lib/scratch.ts";
import { type Quality, scoreRuns } from "./lib/search-quality.ts";
import { judgedCorpus, readTexts, startQuiver } from "./lib/search-quality-setup.ts";
import { table } from "./lib/table.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const smoke = argv.includes("--smoke");
const reps = Number(flag("--reps") ?? (smoke ? 2 : 20));
const work = mkdtempSync(join(tmpdir(), "quiver-bench-quality-"));

const corpusSource = flag("--corpus") ?? process.env.QUIVER_CORPUS ?? CORPUS_TARBALL;
const queriesDir =
  flag("--queries") ?? process.env.QUIVER_QUERIES ?? join(CORPUS_TARBALL, "..", "queries");

function missing(what: string, where: string): never {
  console.log(
    `## Search quality\n\nSkipped: no ${what} at \`${where}\`. The corpus is ` +
      "`linux-python-docs.tar.gz` with its `queries/` (nl-dev.tsv, kw-dev.tsv), kept in the " +
      "project's shared folder beside the checkout (`../shared/corpus/`); point `--corpus` / " +
      "`QUIVER_CORPUS` at the tarball or an unpacked `docs/` directory, and `--queries` / " +
      "`QUIVER_QUERIES` at the query folder.\n",
  );
  process.exit(0);
}

/** Files rewritten after the build, for the latency of a ranked index with recent postings. */
const REWRITTEN = smoke ? 5 : 1000;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

try {
  const { dir, sets } = judgedCorpus({ smoke, work, corpusSource, queriesDir, missing });
  const dataDir = join(work, "data");
  const services = openSqliteServices(loadConfig({ data: dataDir, quiet: true }, {}));
  progress(`search-quality: importing ${dir}`);
  await importTree(services.files, { root: dir });
  // The ranked index builds on the search thread after a start; measure it, then wait.
  const warm = performance.now();
  await services.index.warmUp();
  const warmMs = performance.now() - warm;
  const caller = { id: "bench", name: "bench", scope: "read" as const };
  const runSearch = (query: string, limit: number) =>
    callTool(services, { name: search.name, params: { query, limit }, caller });

  // Today's strategy before issue 14: every word required, BM25 over the passage text.
  const andQuery = openDatabase(dataDir).prepare(
    `SELECT f.path FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid
     JOIN files f ON f.id = p.file_id WHERE passages_fts MATCH ? ORDER BY rank LIMIT 50`,
  );
  const andPaths = (q: string) => {
    try {
      return (andQuery.all(parseQuery(q).match) as { path: string }[]).map((r) => r.path);
    } catch {
      return [];
    }
  };
  const quiverPaths = async (q: string) =>
    ((await runSearch(q, 50)) as { results: { path: string }[] }).results.map((r) => r.path);

  progress("search-quality: indexing MiniSearch");
  let mini: MiniSearch<{ id: number; path: string; text: string }> | undefined = new MiniSearch({
    fields: ["text"],
    storeFields: ["path"],
  });
  let id = 0;
  for (const [path, text] of readTexts(dir))
    for (const p of chunkText(text.normalize("NFC"))) mini.add({ id: ++id, path, text: p.text });
  const miniPaths = (q: string) =>
    mini!
      .search(q)
      .slice(0, 50)
      .map((h) => h.path as string);

  const engines: [string, (q: string) => string[] | Promise<string[]>][] = [
    ["quiver", quiverPaths],
    ["AND of the words (before)", andPaths],
    ["MiniSearch 7 defaults", miniPaths],
  ];
  const rows: (string | number)[][] = [];
  const quality: Record<string, Record<string, Quality>> = {};
  for (const [name, run] of engines)
    for (const [setName, set] of Object.entries(sets)) {
      const ranked: string[][] = [];
      for (const q of set) ranked.push(await run(q.query));
      const s = scoreRuns(set, ranked);
      (quality[name] ??= {})[setName] = s;
      rows.push([
        name,
        `${setName} (${set.length})`,
        s.mrr10.toFixed(3),
        s.success1.toFixed(2),
        s.success10.toFixed(2),
        `${(s.zero * 100).toFixed(1)}%`,
      ]);
    }

  // Latency of quiver on the same queries: in-process, then over HTTP. MiniSearch's index
  // (every passage, as JS objects in this process's heap) goes first: it is no part of
  // quiver, and its garbage collections stalled the in-process calls (p99 12 ms in this
  // process against 5 ms over HTTP, where the server has only its own heap).
  mini = undefined;
  Bun.gc(true);
  const all = Object.values(sets).flatMap((s) => s.map((q) => q.query));
  const local: number[] = [];
  for (const q of all) await quiverPaths(q);
  for (let r = 0; r < reps; r++)
    for (const q of all) {
      const t = performance.now();
      await runSearch(q, 10);
      local.push(performance.now() - t);
    }
  // The same after writes: files rewritten since the ranked index was built stay in its
  // list of recent postings until the next fold (once they are half the arena), as on a
  // server that agents write to. The search thread takes them in the background first.
  const texts = [...readTexts(dir)].slice(0, REWRITTEN);
  for (const [path, text] of texts)
    await services.files.put(path, [new TextEncoder().encode(`${text}\n`)]);
  await untilRanked(() => runSearch(all[0]!, 10));
  const afterWrites: number[] = [];
  for (let r = 0; r < Math.min(reps, 5); r++)
    for (const q of all) {
      const t = performance.now();
      await runSearch(q, 10);
      afterWrites.push(performance.now() - t);
    }
  services.close();
  progress("search-quality: HTTP");
  let httpWarmMs = 0;
  const server = await startQuiver(dataDir);
  const http: number[] = [];
  try {
    // `quiver serve` starts building its ranked index at once; until it is ready, searches
    // say ranking_warming_up. Time from then on only.
    httpWarmMs = (await untilRanked(() => server.search(all[0]!))).seconds * 1000;
    for (const q of all) await server.search(q);
    for (let r = 0; r < reps; r++)
      for (const q of all) {
        const t = performance.now();
        await server.search(q);
        http.push(performance.now() - t);
      }
  } finally {
    await server.stop();
  }
  const ms = (xs: number[], p: number) => pct(xs, p).toFixed(2);
  console.log(
    [
      "## Search quality (dev query sets)",
      "",
      `Corpus \`${smoke ? "generated (smoke)" : corpusSource}\`, ${id} passages. Scored at file level ` +
        "(results deduplicated by path; MRR@10, success@1/@10, share of queries with no result). " +
        "Targets: questions MRR@10 ≥ 0.80, keywords ≥ 0.93, zero results ≤ 2%.",
      "",
      table(["engine", "query set", "MRR@10", "success@1", "success@10", "zero results"], rows),
      "",
      `quiver's latency on these ${all.length} queries (limit 10), ${reps} rounds each, ms ` +
        "(targets: p50 ≤ 1 in-process, ≤ 2 over HTTP; p99 ≤ 10):",
      "",
      table(
        ["where", "p50", "p95", "p99"],
        [
          ["in-process (callTool)", ms(local, 50), ms(local, 95), ms(local, 99)],
          [
            `in-process, after ${texts.length} files rewritten (${Math.min(reps, 5)} rounds)`,
            ms(afterWrites, 50),
            ms(afterWrites, 95),
            ms(afterWrites, 99),
          ],
          ["HTTP POST /tools/search", ms(http, 50), ms(http, 95), ms(http, 99)],
        ],
      ),
      "",
      `The ranked index is built in memory from the stored passages by the search thread: ` +
        `${(warmMs / 1000).toFixed(1)} s after the import in-process, ${(httpWarmMs / 1000).toFixed(1)} s ` +
        "after `quiver serve` started (searches meanwhile are ranked by FTS5 alone and say so).",
      "",
    ].join("\n"),
  );
} finally {
  removeScratch(work);
}
