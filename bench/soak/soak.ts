// Soak: minutes of mixed load (searches, reads, writes, list, an import job) against the
// compiled binary, then a check that every acknowledged write is there with its bytes.
// Pass criteria: zero 5xx, zero lost writes, server RSS grows at most 10 % between minute 2
// and the end. Not part of `npm run bench` (it takes 10 minutes): `npm run soak`.
//
//   bun bench/soak/soak.ts                 # 10 minutes, 8 concurrent clients
//   bun bench/soak/soak.ts --minutes 3
//   bun bench/soak/soak.ts --smoke         # 15 seconds, for the smoke test
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { progress } from "../lib/args.ts";
import { haveRealCorpus, unpackCorpus, writeCorpus } from "../lib/corpus.ts";
import { AUTH, serveQuiver, tempDir } from "../lib/quiver.ts";
import { childrenOf, rssOf } from "../lib/server.ts";
import { median, mib, ms, table } from "../lib/table.ts";

const argv = process.argv.slice(2);
const smoke = argv.includes("--smoke");
const minutes = smoke ? 0.25 : Number(argv[argv.indexOf("--minutes") + 1] ?? 10) || 10;
const CLIENTS = 8;
const durationMs = minutes * 60_000;
/** RSS is compared from here on (minute 2 of a full run: start-up and caches settled). */
const settleMs = smoke ? 5_000 : Math.min(120_000, durationMs / 5);

const work = tempDir("soak");
const corpusRoot = join(work, "corpus");
mkdirSync(corpusRoot, { recursive: true });
if (!smoke && haveRealCorpus()) {
  progress("unpacking the corpus for the import job");
  unpackCorpus(corpusRoot);
} else writeCorpus(corpusRoot, smoke ? 200 : 3000);

const server = await serveQuiver(join(work, "data"), {
  extraArgs: ["--import-root", corpusRoot],
  pinned: false,
});
const url = server.url;
const json = { ...AUTH, "content-type": "application/json" };

type Op = "search" | "read" | "write" | "list" | "job";
const latencies: Record<Op, number[]> = { search: [], read: [], write: [], list: [], job: [] };
const statuses = new Map<number, number>();
let networkErrors = 0;
const acked = new Map<string, string>();
const QUERIES = [
  "dma mapping",
  "spinlock",
  "asyncio loop",
  '"page cache"',
  "thread*",
  "memory AND barrier",
  "socket NOT unix",
  "marker1*",
  "quiver token",
];

async function timed(
  op: Op,
  run: () => Promise<Response>,
): Promise<{ status: number; text: string } | undefined> {
  const t0 = performance.now();
  try {
    const res = await run();
    const text = await res.text();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    latencies[op].push(performance.now() - t0);
    return { status: res.status, text };
  } catch {
    networkErrors++;
    return undefined;
  }
}

async function client(id: number, deadline: number): Promise<void> {
  let n = 0;
  while (Date.now() < deadline) {
    const r = Math.random();
    n++;
    if (r < 0.5)
      await timed("search", () =>
        fetch(`${url}/tools/search`, {
          method: "POST",
          headers: json,
          body: JSON.stringify({ query: QUERIES[n % QUERIES.length] }),
        }),
      );
    else if (r < 0.7) {
      const keys = [...acked.keys()];
      const path = keys.length ? keys[Math.floor(Math.random() * keys.length)]! : "missing.txt";
      await timed("read", () => fetch(`${url}/files/${path}`, { headers: AUTH }));
    } else if (r < 0.9) {
      const path = `soak/c${id}/w${n}.txt`;
      const body =
        `client ${id} write ${n} ${crypto.randomUUID()}\n` +
        "soak ".repeat(Math.floor(Math.random() * 2000));
      const res = await timed("write", () =>
        fetch(`${url}/files/${path}`, { method: "PUT", headers: AUTH, body }),
      );
      if (res && (res.status === 200 || res.status === 201)) acked.set(path, body);
    } else
      await timed("list", () =>
        fetch(`${url}/tools/list_files`, {
          method: "POST",
          headers: json,
          body: JSON.stringify({ prefix: `soak/c${id}/`, limit: 50 }),
        }),
      );
  }
}

/** Starts an import, and another each time one finishes, until the deadline. */
async function importer(deadline: number): Promise<number> {
  let runs = 0;
  while (Date.now() < deadline) {
    const res = await timed("job", () =>
      fetch(`${url}/tools/import_path`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ path: corpusRoot, prefix: `import-${runs % 2}/` }),
      }),
    );
    if (res?.status !== 200) return runs;
    runs++;
    const { job_id } = JSON.parse(res.text) as { job_id: string };
    for (;;) {
      const st = await fetch(`${url}/tools/job_status`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ job_id }),
      }).then((r) => r.json() as Promise<{ status: string }>);
      if (["succeeded", "failed", "canceled"].includes(st.status) || Date.now() > deadline) break;
      await Bun.sleep(500);
    }
  }
  return runs;
}

const rssSamples: { t: number; server: number; worker: number }[] = [];
const started = Date.now();
const deadline = started + durationMs;
const sampler = setInterval(
  () => {
    const worker = childrenOf(server.pid)[0];
    rssSamples.push({
      t: Date.now() - started,
      server: rssOf(server.pid),
      worker: worker ? rssOf(worker) : NaN,
    });
  },
  smoke ? 1000 : 10_000,
);
progress(`soaking for ${minutes} min with ${CLIENTS} clients and an import job`);
const [imports] = await Promise.all([
  importer(deadline),
  ...Array.from({ length: CLIENTS }, (_, i) => client(i, deadline)),
]);
clearInterval(sampler);
const elapsed = (Date.now() - started) / 1000;

progress(`verifying ${acked.size} acknowledged writes`);
let lost = 0;
for (const [path, body] of acked) {
  const res = await fetch(`${url}/files/${path}`, { headers: AUTH });
  if (res.status !== 200 || (await res.text()) !== body) lost++;
}
await server.stop();

const total = [...statuses.values()].reduce((a, b) => a + b, 0);
const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((a, [, n]) => a + n, 0);
const settled = rssSamples.filter((s) => s.t >= settleMs);
const first = settled[0] ?? rssSamples[0];
const last = rssSamples[rssSamples.length - 1];
const growth = first && last ? (last.server - first.server) / first.server : NaN;
// The series says what one first-to-last figure cannot: a leak keeps growing to the end,
// memory the allocator holds on to levels off. One sample a minute (the last one of each).
const perMinute = [...Map.groupBy(rssSamples, (s) => Math.floor(s.t / 60_000)).values()].map(
  (ss) => ss[ss.length - 1]!,
);
const half = rssSamples.find((s) => s.t >= durationMs / 2);
const secondHalf = half && last ? (last.server - half.server) / half.server : NaN;
const verdict = (ok: boolean) => (ok ? "met" : "**not met**");

console.log(`## Soak: ${minutes} min of mixed load

${CLIENTS} clients in one process (50 % search, 20 % file reads, 20 % writes, 10 % list_files) plus import jobs run back to back
(${imports} started), against the compiled binary (unpinned, access log and rate limit off). ${total} requests in ${elapsed.toFixed(0)} s
(${(total / elapsed).toFixed(0)} req/s); status counts: ${[...statuses]
  .sort()
  .map(([s, n]) => `${s}: ${n}`)
  .join(", ")}; network errors: ${networkErrors}.

${table(
  ["operation", "requests", "p50", "p99"],
  (Object.keys(latencies) as Op[])
    .filter((op) => latencies[op].length)
    .map((op) => {
      const v = [...latencies[op]].sort((a, b) => a - b);
      return [op, v.length, ms(median(v)), ms(v[Math.floor(v.length * 0.99)] ?? NaN)];
    }),
  ["l", "r", "r", "r"],
)}

| check | measured | goal |  |
|---|---:|---:|---|
| 5xx responses | ${fivexx} | 0 | ${verdict(fivexx === 0)} |
| acknowledged writes lost or wrong after the run | ${lost} of ${acked.size} | 0 | ${verdict(lost === 0)} |
| server RSS at ${(settleMs / 60_000).toFixed(1)} min → end | ${first ? mib(first.server) : "?"} → ${last ? mib(last.server) : "?"} (${(growth * 100).toFixed(1)} %) | grows at most 10 % (a leak grows; memory given back is not one) | ${verdict(growth <= 0.1)} |
| worker RSS at ${(settleMs / 60_000).toFixed(1)} min → end | ${first ? mib(first.worker) : "?"} → ${last ? mib(last.worker) : "?"} | | |

Server RSS over the run (MiB, the last sample of each minute): ${perMinute.map((s) => (s.server / 2 ** 20).toFixed(0)).join(", ")}; over the second half alone: ${(secondHalf * 100).toFixed(1)} %.`);
process.exit(fivexx === 0 && lost === 0 ? 0 : 1);
