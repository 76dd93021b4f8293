// Section: the binary. Size of dist/quiver, cold start to the first 200 /healthz (median),
// and resident memory: idle, after two equal batches of tool calls (growth between them
// would be a leak), and after indexing a corpus when this tree has `quiver index`.
// Prints markdown on stdout. `--smoke`: 3 cold starts, batches of 1,000.

import { statSync } from "node:fs";
import { spawnSync } from "bun";
import { parseArgs, progress } from "./lib/args.ts";
import { coldStart, runTime } from "./lib/coldstart.ts";
import { corpusStats, haveRealCorpus, unpackCorpus, writeCorpus } from "./lib/corpus.ts";
import { hammer } from "./lib/load.ts";
import {
  AUTH,
  CALL,
  ensureBinary,
  serveQuiver,
  startQuiver,
  TOKEN,
  tempDir,
} from "./lib/quiver.ts";
import { untilRanked } from "./lib/ranking.ts";
import { childrenOf, rssOf, type Server } from "./lib/server.ts";
import { int, median, mib, ms, table } from "./lib/table.ts";
import { CLIENT_CORE, pinSelf } from "./lib/tools.ts";

const { smoke } = parseArgs();
pinSelf(CLIENT_CORE); // this process's own requests and polling stay off the server core
const COLD_RUNS = smoke ? 3 : 25;
const BATCH = smoke ? 1_000 : 100_000;
const CORPUS_FILES = smoke ? 20 : 2_000;

const binary = ensureBinary();
const size = statSync(binary).size;

progress(`binary: ${COLD_RUNS} cold starts`);
const dataDir = tempDir("cold");
const coldCmd = [binary, "serve", "--port", "{port}", "--data", dataDir, "--quiet"];
const env = { QUIVER_TOKEN: TOKEN, NODE_ENV: "production" };
await coldStart(coldCmd, env); // creates the database; not counted
const colds: number[] = [];
const floors: number[] = [];
for (let i = 0; i < COLD_RUNS; i++) {
  colds.push(await coldStart(coldCmd, env));
  floors.push(await runTime([binary, "version"]));
}

const rows: (string | undefined)[][] = [
  ["size of `dist/quiver`", mib(size), `${int(size)} bytes`],
  [
    `cold start to first \`200 /healthz\` (median of ${COLD_RUNS})`,
    ms(median(colds)),
    `min ${ms(Math.min(...colds))}, max ${ms(Math.max(...colds))}`,
  ],
  [
    `\`quiver version\` start to exit (median of ${COLD_RUNS}): the process floor`,
    ms(median(floors)),
    `min ${ms(Math.min(...floors))}, max ${ms(Math.max(...floors))}`,
  ],
];

const rss = (s: Server) => s.rss();
const workerRss = (s: Server) => childrenOf(s.pid).reduce((sum, pid) => sum + rssOf(pid), 0);

progress("binary: memory");
const server = await startQuiver();
try {
  await Bun.sleep(1000);
  rows.push([
    "RSS idle (seeded, one file)",
    mib(rss(server)),
    `job worker process: ${mib(workerRss(server))}`,
  ]);
  const target = {
    url: `${server.url}/tools/call`,
    body: JSON.stringify(CALL),
    headers: { ...AUTH, "content-type": "application/json" },
  };
  for (const n of [1, 2]) {
    progress(`binary: batch ${n} of ${BATCH} requests`);
    const b = await hammer(target, BATCH);
    if (b.failures) throw new Error(`batch ${n}: ${b.failures} failed requests`);
    rows.push([
      `RSS after batch ${n} (${int(BATCH * n)} \`/tools/call\` requests in total)`,
      mib(rss(server)),
      `batch took ${b.seconds.toFixed(1)} s`,
    ]);
  }
  rows.push(...(await indexRows(server)));
} finally {
  await server.stop();
}

/**
 * RSS after `quiver index` of the real corpus (../shared/corpus; a generated one in smoke
 * runs or when it is missing) into the running server's data directory; then of a server
 * started on that index once its search thread has built the ranked index (what a server
 * holding the corpus uses: the first server's search thread takes a bulk import by another
 * process in only as it catches up), and after 1,000 `search` calls on it: a realistic
 * two-word query on the real corpus; on the generated one a word one document has (its text
 * shares a small vocabulary, so common words would rank every document and measure BM25,
 * not memory).
 */
async function indexRows(server: Server): Promise<string[][]> {
  const label = "RSS after indexing a corpus";
  const probe = spawnSync([binary, "index", "--help"], { stdout: "pipe", stderr: "pipe" });
  if (probe.exitCode !== 0)
    return [[label, "not yet available", "this quiver has no `index` command"]];
  const real = !smoke && haveRealCorpus();
  const corpusDir = real
    ? unpackCorpus(tempDir("corpus"))
    : writeCorpus(tempDir("corpus"), CORPUS_FILES).dir;
  const corpus = { dir: corpusDir, ...corpusStats(corpusDir) };
  progress(`binary: indexing ${corpus.files} files`);
  const started = performance.now();
  const res = spawnSync([binary, "index", corpus.dir, "--data", server.dataDir!], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const took = (performance.now() - started) / 1000;
  if (res.exitCode !== 0)
    return [
      [
        label,
        "failed",
        `\`quiver index\` exited ${res.exitCode}: ${res.stderr.toString().trim().split("\n").pop()}`,
      ],
    ];
  const peak = res.resourceUsage?.maxRSS; // bytes (Bun converts getrusage's kilobytes)
  const rows = [
    [
      label,
      mib(rss(server)),
      `\`quiver index\` of ${real ? "the real corpus, " : ""}${int(corpus.files)} files (${mib(corpus.bytes)}) took ${took.toFixed(1)} s, its own peak RSS ${peak ? mib(peak) : "unknown"}`,
    ],
  ];
  progress("binary: a server started on that index");
  const indexed = await serveQuiver(server.dataDir!);
  try {
    const searchCall = {
      url: `${indexed.url}/tools/call`,
      body: JSON.stringify({
        name: "search",
        parameters: { query: real ? "memory barrier" : `marker${CORPUS_FILES >> 1}` },
      }),
      headers: { ...AUTH, "content-type": "application/json" },
    };
    let failed = false;
    const warm = await untilRanked(
      async () => {
        const res = await fetch(searchCall.url, {
          method: "POST",
          headers: searchCall.headers,
          body: searchCall.body,
        });
        failed = res.status !== 200;
        return failed ? undefined : res.json();
      },
      { pollMs: 100 },
    );
    if (failed) return rows;
    rows.push([
      "RSS of a server started on that index, ranked index built",
      mib(rss(indexed)),
      warm.ranked
        ? `built ${warm.seconds.toFixed(1)} s after the server answered /healthz`
        : "the ranked index was not built within 120 s",
    ]);
    const n = smoke ? 100 : 1_000;
    const b = await hammer(searchCall, n);
    rows.push([
      `RSS after ${int(n)} \`search\` calls on that server`,
      mib(rss(indexed)),
      `${b.failures} failed; took ${b.seconds.toFixed(1)} s`,
    ]);
  } finally {
    await indexed.stop();
  }
  return rows;
}

console.log(`## The binary

${table(["", "value", "detail"], rows, ["l", "r", "l"])}

RSS is the server process's \`VmRSS\`; batches are exact counts sent with 32 in flight.
Growth between batch 1 and batch 2 (equal sizes) would show a leak.
`);
