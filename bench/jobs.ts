// Search latency while a background import runs, against idle, in one run (issue: jobs
// must not stall requests). Target: p99 under import <= 3x idle p99.
//
//   bun bench/jobs.ts            # the real corpus (../shared/corpus, 55 MB), unpacked to a temp dir
//   bun bench/jobs.ts --smoke    # a small generated corpus, seconds
//
// quiver runs unpinned here: the job worker is a second process, and the point is how the
// HTTP server fares beside it on this machine's cores. The search client runs in this
// process, one request at a time, so latency is not queueing in the client.
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, progress } from "./lib/args.ts";
import { writeCorpus } from "./lib/corpus.ts";
import { AUTH, ROOT, serveQuiver, tempDir } from "./lib/quiver.ts";
import { median, ms, table } from "./lib/table.ts";

const { smoke } = parseArgs();
const TARBALL = join(ROOT, "..", "shared", "corpus", "linux-python-docs.tar.gz");
const QUERIES = [
  "dma mapping",
  "spinlock irq",
  "asyncio event loop",
  '"virtual environment"',
  "thread*",
  "memory AND barrier",
  "socket NOT unix",
  "list comprehension",
  "interrupt handler",
  "file descriptor",
  "unicode normalization",
  "page cache",
  "regular expression",
  "def*",
  "kernel module",
];

function corpus(): { root: string; part: string; label: string } {
  const work = tempDir("jobs");
  if (smoke || !existsSync(TARBALL)) {
    const root = join(work, "corpus");
    writeCorpus(join(root, "seed"), 40);
    writeCorpus(join(root, "bulk"), smoke ? 300 : 3000);
    return {
      root,
      part: join(root, "seed"),
      label: smoke ? "generated (smoke)" : "generated (corpus tarball not found)",
    };
  }
  progress("unpacking the corpus");
  mkdirSync(join(work, "c"), { recursive: true });
  const tar = Bun.spawnSync(["tar", "-xzf", TARBALL, "-C", join(work, "c")]);
  if (tar.exitCode !== 0) throw new Error(`could not unpack ${TARBALL}`);
  return {
    root: join(work, "c"),
    part: join(work, "c", "docs", "python"),
    label: "linux-python-docs (55 MB, 9,346 files)",
  };
}

async function call(url: string, name: string, parameters: unknown): Promise<any> {
  const res = await fetch(`${url}/tools/${name}`, {
    method: "POST",
    headers: { ...AUTH, "content-type": "application/json" },
    body: JSON.stringify(parameters),
  });
  if (res.status !== 200) throw new Error(`${name}: ${res.status} ${await res.text()}`);
  return res.json();
}

async function waitJob(url: string, id: string): Promise<any> {
  for (;;) {
    const job = await call(url, "job_status", { job_id: id });
    if (["succeeded", "failed", "canceled"].includes(job.status)) return job;
    await Bun.sleep(100);
  }
}

/** Searches one after another; stops after `count` or when `until()` says so. */
async function searchLatencies(
  url: string,
  count: number,
  until?: () => boolean,
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count && !until?.(); i++) {
    const t0 = performance.now();
    await call(url, "search", { query: QUERIES[i % QUERIES.length], limit: 5 });
    out.push(performance.now() - t0);
  }
  return out;
}

const pct = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.floor((p / 100) * values.length))
  ]!;

const c = corpus();
const data = tempDir("jobs-data");
const server = await serveQuiver(data, { extraArgs: ["--import-root", c.root], pinned: false });
try {
  progress("importing a first part so searches have something to find");
  const seeded = await waitJob(
    server.url,
    (await call(server.url, "import_path", { path: c.part, prefix: "seed/" })).job_id,
  );
  await searchLatencies(server.url, 100); // warm-up
  progress("idle searches");
  const idle = await searchLatencies(server.url, smoke ? 100 : 1500);

  progress("searches while the whole corpus imports");
  const started = performance.now();
  const job = (await call(server.url, "import_path", { path: c.root, prefix: "bulk/" })).job_id;
  let finished = false;
  const done = waitJob(server.url, job).then((j) => {
    finished = true;
    return j;
  });
  const busy = await searchLatencies(server.url, Number.MAX_SAFE_INTEGER, () => finished);
  const result = await done;
  const seconds = (performance.now() - started) / 1000;

  const p99Ratio = pct(busy, 99) / pct(idle, 99);
  const mb = result.result?.bytes / 1e6;
  console.log(`## Search while a job imports

Search latency over HTTP (\`POST /tools/search\`, ${QUERIES.length} queries in turn, one at a time), idle and while
\`import_path\` imports the corpus in the job worker process (${c.label}; seeded with ${seeded.result?.added ?? "?"} files first).
quiver runs unpinned: its HTTP server and its job worker share the machine's cores with this client.

${table(
  ["", "searches", "p50", "p95", "p99", "max"],
  [
    [
      "idle",
      idle.length,
      ms(median(idle)),
      ms(pct(idle, 95)),
      ms(pct(idle, 99)),
      ms(Math.max(...idle)),
    ],
    [
      "during the import",
      busy.length,
      ms(median(busy)),
      ms(pct(busy, 95)),
      ms(pct(busy, 99)),
      ms(Math.max(...busy)),
    ],
  ],
  ["l", "r", "r", "r", "r", "r"],
)}

| ratio | measured | goal |  |
|---|---:|---:|---|
| p99 during the import / idle p99 | ${p99Ratio.toFixed(2)}× | ≤ 3× | ${p99Ratio <= 3 ? "met" : "**not met**"} |

The import (${result.status}): ${result.result?.added ?? 0} files added, ${Number.isFinite(mb) ? mb.toFixed(1) : "?"} MB in ${seconds.toFixed(1)} s while searches ran.`);
} finally {
  await server.stop();
}
