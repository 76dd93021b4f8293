#!/usr/bin/env bun
// Section: search relevance on PostgreSQL against SQLite (issue 19's target: within 0.05
// MRR@10 of SQLite on the dev query sets, ../shared/corpus/queries/README.md). The same
// corpus is imported into both engines and every query goes through the search tool
// (callTool), as an agent's would; scored at file level like bench/search-quality.ts.
//
//   bun bench/postgres-quality.ts                  # ../shared/corpus (or QUIVER_CORPUS)
//   bun bench/postgres-quality.ts --corpus DIR|FILE.tar.gz --queries DIR
//   bun bench/postgres-quality.ts --database URL   # reuse a database already holding the corpus
//   bun bench/postgres-quality.ts --smoke          # a generated corpus, seconds
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { importTree } from "../src/importer/import-tree.ts";
import { type OpenServices, openServices, openSqliteServices } from "../src/services.ts";
import { callTool } from "../src/tools/pipeline.ts";
import { search } from "../src/tools/search.ts";
import { progress } from "./lib/args.ts";
import { CORPUS_TARBALL } from "./lib/corpus.ts";
import { requirePostgresForBench, startPostgres } from "./lib/postgres.ts";
import { removeScratch } from "./lib/scratch.ts";
import { scoreRuns } from "./lib/search-quality.ts";
import { judgedCorpus } from "./lib/search-quality-setup.ts";
import { table } from "./lib/table.ts";

const argv = process.argv.slice(2);
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const smoke = argv.includes("--smoke");
const reuse = flag("--database");
const corpusSource = flag("--corpus") ?? process.env.QUIVER_CORPUS ?? CORPUS_TARBALL;
const queriesDir =
  flag("--queries") ?? process.env.QUIVER_QUERIES ?? join(CORPUS_TARBALL, "..", "queries");
const out: string[] = ["## Search relevance on PostgreSQL", ""];
const print = () => process.stdout.write(`${out.join("\n")}\n`);

const why = reuse ? undefined : requirePostgresForBench();
if (why) {
  out.push(`Not measured: ${why}.`);
  print();
  process.exit(0);
}
if (!smoke && (!existsSync(corpusSource) || !existsSync(join(queriesDir, "kw-dev.tsv")))) {
  out.push(
    `Not measured: no corpus at \`${corpusSource}\` or no query sets in \`${queriesDir}\` ` +
      "(see bench/search-quality.ts for where they live).",
  );
  print();
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), "quiver-bench-pg-quality-"));
// The cluster's directory must be reachable by the `postgres` user when we are root (see
// bench/postgres.ts): not in the bench's private scratch directory.
const scratch = process.env.TMPDIR;
process.env.TMPDIR = "/tmp";
const cluster = reuse
  ? undefined
  : await startPostgres().finally(() => {
      if (scratch === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = scratch;
    });
const opened: OpenServices[] = [];
try {
  const { dir, sets } = judgedCorpus({ smoke, work, corpusSource, queriesDir });
  const sqlite = openSqliteServices(loadConfig({ data: join(work, "sqlite"), quiet: true }, {}));
  opened.push(sqlite);
  const url = reuse ?? (await cluster!.createDatabase());
  const pg = await openServices(
    loadConfig({ data: join(work, "pg"), quiet: true, database: url }, {}),
  );
  opened.push(pg);
  progress(`postgres-quality: importing ${dir} into SQLite`);
  await importTree(sqlite.files, { root: dir });
  await sqlite.index.warmUp();
  progress("postgres-quality: importing into PostgreSQL");
  const t0 = performance.now();
  await importTree(pg.files, { root: dir });
  const importS = (performance.now() - t0) / 1000;

  const rows: string[][] = [];
  const latency: string[][] = [];
  for (const [setName, set] of Object.entries(sets)) {
    const scores = [];
    for (const s of [sqlite, pg]) {
      const times: number[] = [];
      const ranked: string[][] = [];
      for (const q of set) {
        const t = performance.now();
        ranked.push(await paths(s, q.query));
        times.push(performance.now() - t);
      }
      scores.push(scoreRuns(set, ranked));
      times.sort((a, b) => a - b);
      latency.push([
        s === pg ? "PostgreSQL" : "SQLite",
        setName,
        times[Math.floor(times.length / 2)]!.toFixed(1),
      ]);
    }
    const [lite, post] = scores as [ReturnType<typeof scoreRuns>, ReturnType<typeof scoreRuns>];
    const gap = lite.mrr10 - post.mrr10;
    rows.push([
      `${setName} (${set.length})`,
      lite.mrr10.toFixed(3),
      post.mrr10.toFixed(3),
      gap.toFixed(3),
      gap <= 0.05 ? "yes" : "no",
      `${post.success1.toFixed(2)} / ${lite.success1.toFixed(2)}`,
      `${(post.zero * 100).toFixed(1)}%`,
    ]);
  }
  out.push(
    `Corpus \`${smoke ? "generated (smoke)" : corpusSource}\`, imported into both engines ` +
      `(PostgreSQL import ${importS.toFixed(0)} s${reuse ? ", reused database" : ""}). Queries through the search tool ` +
      "(limit 50, in-process), scored at file level (MRR@10; results deduplicated by path).",
    "",
    table(
      [
        "query set",
        "SQLite MRR@10",
        "PostgreSQL MRR@10",
        "gap",
        "within 0.05",
        "success@1 PG / SQLite",
        "PG zero results",
      ],
      rows,
    ),
    "",
    "Median latency per query, ms (in-process, one query at a time):",
    "",
    table(["engine", "query set", "p50"], latency),
  );
} catch (err) {
  out.push(`The section failed: ${(err as Error).stack ?? err}`);
} finally {
  for (const s of opened) await s.close();
  await cluster?.stop();
  removeScratch(work);
}
print();

async function paths(s: OpenServices, query: string): Promise<string[]> {
  const caller = { id: "bench", name: "bench", scope: "read" as const };
  const r = (await callTool(s, {
    name: search.name,
    params: { query, limit: 50 },
    caller,
  })) as { results: { path: string }[] };
  return r.results.map((h) => h.path);
}
