#!/usr/bin/env bun
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// Section: quiver's search against another search engine from the npm registry, MiniSearch
// (an in-memory JS full-text library), on the same corpus and the same queries: ingest time,
// memory, query latency. Each engine runs in a fresh process of its own, so memory figures
// are that engine's alone. Both index the same passages (quiver's chunker), both answer
// `limit 5` plus the total number of matches, both in-process (no HTTP on either side).
//
//   bun bench/search-engines.ts                 # the real corpus (../shared/corpus)
//   bun bench/search-engines.ts --smoke         # 40 generated files, a few queries
// Internal: --engine quiver|minisearch --corpus DIR --queries N --reps N   (prints JSON)
import MiniSearch from "minisearch";
import { loadConfig } from "../src/config.ts";
import { importTree } from "../src/importer/import-tree.ts";
import { openSqliteServices } from "../src/services.ts";
import { chunkText } from "../src/store/chunk.ts";
import { looksLikeText } from "../src/store/content.ts";
import { openDatabase } from "../src/store/db.ts";
import { callTool } from "../src/tools/pipeline.ts";
import { search } from "../src/tools/search.ts";
import { parseArgs, progress } from "./lib/args.ts";
import { unpackCorpus, writeCorpus } from "./lib/corpus.ts";
import { toMiniSearch } from "./lib/minisearch-query.ts";
import { QUERIES } from "./lib/queries.ts";
import { removeScratch } from "./lib/scratch.ts";
import { table } from "./lib/table.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const MB = 1024 * 1024;

interface EngineResult {
  engine: string;
  files: number;
  passages: number;
  ingestSeconds: number;
  /** Process RSS after ingest minus before (corpus text dropped, GC run), and JS heap in use. */
  rssGrowthMB: number;
  heapMB: number;
  /**
   * quiver only: seconds from the end of the import until the search thread's ranked index
   * is built, and the RSS growth then (MiniSearch's index is built during its ingest).
   */
  rankingSeconds?: number;
  rankedRssGrowthMB?: number;
  /** Bytes on disk the engine keeps (quiver: database + blobs; MiniSearch: nothing). */
  diskMB: number;
  p50: number;
  p95: number;
  p99: number;
  medianTotal: number;
}

const miniSearchVersion = () =>
  JSON.parse(
    readFileSync(join(import.meta.dir, "..", "node_modules", "minisearch", "package.json"), "utf8"),
  ).version as string;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const rssMB = () => process.memoryUsage.rss() / MB;
const settle = () => {
  Bun.gc(true);
  Bun.gc(true);
};

/** Text files under `dir` (hidden ones skipped, as quiver index does), relative path → text. */
function readCorpus(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.name.startsWith(".")) continue;
    const abs = join(e.parentPath, e.name);
    const rel = abs.slice(dir.length + 1);
    if (rel.split("/").some((part) => part.startsWith("."))) continue;
    const bytes = readFileSync(abs);
    if (looksLikeText(bytes.subarray(0, 8192))) out.set(rel, bytes.toString("utf8"));
  }
  return out;
}

async function latencies(
  queries: string[],
  reps: number,
  run: (q: string) => number | Promise<number>,
): Promise<{ times: number[]; totals: number[] }> {
  const times: number[] = [];
  const totals: number[] = [];
  for (const q of queries) await run(q); // warm-up
  for (let r = 0; r < reps; r++)
    for (const q of queries) {
      const t = performance.now();
      const total = await run(q);
      times.push(performance.now() - t);
      if (r === 0) totals.push(total);
    }
  return { times, totals };
}

async function runQuiver(corpus: string, queries: string[], reps: number): Promise<EngineResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "quiver-bench-engines-"));
  try {
    settle();
    const before = rssMB();
    const services = openSqliteServices(loadConfig({ data: dataDir, quiet: true }, {}));
    const ctx = { ...services, caller: { id: "bench", name: "bench", scope: "read" as const } };
    const summary = await importTree(services.files, { root: corpus });
    settle();
    const growth = rssMB() - before;
    const heap = process.memoryUsage().heapUsed / MB;
    // Queries are timed once the ranked index is built, as on a server that has been up a
    // few seconds; until then FTS5 answers them (marked ranking_warming_up), and timing that
    // phase measured a different engine. The build's time and memory are shown apart.
    const warmStart = performance.now();
    await services.index.warmUp();
    const rankingSeconds = (performance.now() - warmStart) / 1000;
    settle();
    const rankedGrowth = rssMB() - before;
    const passages = services.index.passageCount();
    // Through callTool, as bench/search.ts's in-process figure: validation included.
    const { times, totals } = await latencies(
      queries,
      reps,
      async (q) =>
        (
          (await callTool(services, {
            name: search.name,
            params: { query: q, limit: 5 },
            caller: ctx.caller,
          })) as { total?: number }
        ).total ?? 0,
    );
    const db = openDatabase(dataDir);
    db.run("PRAGMA wal_checkpoint(TRUNCATE)");
    db.close();
    const disk = Bun.spawnSync(["du", "-sb", dataDir]).stdout.toString().split("\t")[0];
    services.close();
    return {
      engine: "quiver",
      files: summary.files,
      passages,
      ingestSeconds: summary.seconds,
      rssGrowthMB: growth,
      heapMB: heap,
      rankingSeconds,
      rankedRssGrowthMB: rankedGrowth,
      diskMB: Number(disk) / MB,
      p50: pct(times, 50),
      p95: pct(times, 95),
      p99: pct(times, 99),
      medianTotal: pct(totals, 50),
    };
  } finally {
    removeScratch(dataDir);
  }
}

async function runMiniSearch(
  corpus: string,
  queries: string[],
  reps: number,
): Promise<EngineResult> {
  settle();
  const before = rssMB();
  const started = performance.now();
  // Reading is part of ingest for both engines (quiver index reads the files itself).
  let texts: Map<string, string> | undefined = readCorpus(corpus);
  const index = new MiniSearch<{
    id: number;
    path: string;
    line_start: number;
    line_end: number;
    text: string;
  }>({
    fields: ["text"],
    storeFields: ["path", "line_start", "line_end"],
  });
  let id = 0;
  let files = 0;
  for (const [path, text] of texts) {
    files++;
    for (const p of chunkText(text.normalize("NFC")))
      index.add({ id: ++id, path, line_start: p.line_start, line_end: p.line_end, text: p.text });
  }
  const ingestSeconds = (performance.now() - started) / 1000;
  texts = undefined;
  settle();
  const growth = rssMB() - before;
  const heap = process.memoryUsage().heapUsed / MB;
  const translated = new Map(queries.map((q) => [q, toMiniSearch(q)]));
  const { times, totals } = await latencies(queries, reps, (q) => {
    const { query, pathPrefix } = translated.get(q)!;
    const hits = index.search(
      query,
      pathPrefix ? { filter: (r) => (r.path as string).startsWith(pathPrefix) } : {},
    );
    // The same answer shape as quiver's: the top five with where they are, and the total.
    hits.slice(0, 5).map((h) => ({
      path: h.path,
      line_start: h.line_start,
      line_end: h.line_end,
      score: h.score,
    }));
    return hits.length;
  });
  return {
    engine: "minisearch",
    files,
    passages: id,
    ingestSeconds,
    rssGrowthMB: growth,
    heapMB: heap,
    diskMB: 0,
    p50: pct(times, 50),
    p95: pct(times, 95),
    p99: pct(times, 99),
    medianTotal: pct(totals, 50),
  };
}

// ---- child: one engine, JSON on stdout ----
const engine = flag("--engine");
if (engine) {
  const corpus = flag("--corpus")!;
  const queries = QUERIES.slice(0, Number(flag("--queries") ?? QUERIES.length));
  const reps = Number(flag("--reps") ?? 20);
  const result =
    engine === "quiver"
      ? await runQuiver(corpus, queries, reps)
      : await runMiniSearch(corpus, queries, reps);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

// ---- parent: the section ----
const { smoke } = parseArgs();
const work = mkdtempSync(join(tmpdir(), "quiver-bench-engines-corpus-"));
try {
  const corpus = smoke
    ? writeCorpus(join(work, "corpus"), 40).dir
    : unpackCorpus(join(work, "corpus"));
  const queries = smoke ? 5 : QUERIES.length;
  const reps = smoke ? 2 : 20;
  const results: EngineResult[] = [];
  for (const name of ["quiver", "minisearch"]) {
    progress(`search-engines: ${name}`);
    const child = Bun.spawnSync(
      [
        process.execPath,
        import.meta.path,
        "--engine",
        name,
        "--corpus",
        corpus,
        "--queries",
        String(queries),
        "--reps",
        String(reps),
      ],
      { stderr: "pipe" },
    );
    if (child.exitCode !== 0)
      throw new Error(`${name} failed: ${child.stderr.toString().slice(-500)}`);
    results.push(JSON.parse(child.stdout.toString()));
  }
  const [q, m] = results as [EngineResult, EngineResult];
  const f1 = (n: number) => n.toFixed(1);
  const f3 = (n: number) => n.toFixed(3);
  const x = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  console.log(`## Search engines side by side

quiver (SQLite FTS5 through \`importTree\` and the \`search\` tool, in-process) against
[MiniSearch](https://www.npmjs.com/package/minisearch) ${miniSearchVersion()}, an in-memory JavaScript
full-text library, on the same ${q.files} files split into the same passages (quiver's chunker),
the same ${queries} queries × ${reps} runs, \`limit 5\` and the total number of matches. Each engine
runs in its own fresh process. quiver's queries are timed once its search thread has built
the ranked index (until then FTS5 answers, and says so); that build is its own row.

${table(
  ["", "quiver", "MiniSearch", "MiniSearch / quiver"],
  [
    ["passages indexed", String(q.passages), String(m.passages), ""],
    [
      "ingest, seconds",
      f1(q.ingestSeconds),
      f1(m.ingestSeconds),
      x(m.ingestSeconds, q.ingestSeconds),
    ],
    [
      "RSS growth after ingest, MB",
      f1(q.rssGrowthMB),
      f1(m.rssGrowthMB),
      x(m.rssGrowthMB, q.rssGrowthMB),
    ],
    ["then the ranked index built, seconds", f1(q.rankingSeconds ?? 0), "(in its ingest)", ""],
    [
      "RSS growth with the ranked index, MB",
      f1(q.rankedRssGrowthMB ?? 0),
      f1(m.rssGrowthMB),
      x(m.rssGrowthMB, q.rankedRssGrowthMB ?? 0),
    ],
    ["JS heap in use (main thread), MB", f1(q.heapMB), f1(m.heapMB), x(m.heapMB, q.heapMB)],
    ["on disk, MB (survives a restart)", f1(q.diskMB), "0 (rebuilt at every start)", ""],
    ["query p50, ms", f3(q.p50), f3(m.p50), x(m.p50, q.p50)],
    ["query p95, ms", f3(q.p95), f3(m.p95), x(m.p95, q.p95)],
    ["query p99, ms", f3(q.p99), f3(m.p99), x(m.p99, q.p99)],
    ["median matches per query", String(q.medianTotal), String(m.medianTotal), ""],
  ],
  ["l", "r", "r", "r"],
)}

Not like for like: quiver's ingest also stores every file durably (content-addressed blobs,
fsynced) and commits with \`synchronous=FULL\`, and its index survives a restart; MiniSearch
keeps everything in the JS heap and must re-read and re-index every file at each start. MiniSearch has no phrase search (a phrase is asked as all of its words) and no
accent folding; quiver's answers also carry a marked snippet. Matches per query differ for
those reasons and because the tokenizers differ.
`);
} finally {
  removeScratch(work);
}
