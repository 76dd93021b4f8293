// read_file windows: what 32 concurrent `read_file {limit: 10}` cost on a large text file,
// against the same calls on a 10-line file (the floor: a call that reads almost nothing)
// in the same run. A window should cost about the window, whatever the file's size: the
// review saw 1.4 GB peak RSS and 6 s for the slowest call on a 32 MB file when every call
// read, decoded and split the whole file. Peak RSS is the server's VmHWM over each phase
// (reset through /proc/<pid>/clear_refs before it).
//   bun bench/read-window.ts            # 30 MB file, 32 concurrent calls, 5 rounds
//   bun bench/read-window.ts --smoke    # 3 MB, 4 calls, 1 round

import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs, progress } from "./lib/args.ts";
import { AUTH, ensureBinary, TOKEN, tempDir } from "./lib/quiver.ts";
import { startServer } from "./lib/server.ts";
import { median, ms, ratio, table } from "./lib/table.ts";

const { smoke } = parseArgs();
const fileBytes = smoke ? 3_000_000 : 30_000_000;
const concurrent = smoke ? 4 : 32;
const rounds = smoke ? 1 : 5;

const server = await startServer({
  name: "quiver",
  // --rate-limit 0: at the default (100/s per token) the bench would measure 429s.
  cmd: [ensureBinary(), "serve", "--port", "{port}", "--data", tempDir("window"), "--quiet"].concat(
    ["--rate-limit", "0"],
  ),
  env: { QUIVER_TOKEN: TOKEN, NODE_ENV: "production" },
});
const headers = { ...AUTH, "content-type": "application/json" };
const line = `${"word ".repeat(15)}\n`; // 76 bytes
const big = line.repeat(Math.floor(fileBytes / line.length));
const totalLines = big.length / line.length;
for (const [path, body] of [
  ["small.txt", line.repeat(10)],
  ["big.txt", big],
] as const) {
  const res = await fetch(`${server.url}/files/${path}`, { method: "PUT", headers: AUTH, body });
  if (res.status !== 201) throw new Error(`storing ${path}: ${res.status} ${await res.text()}`);
}

const peakRss = () =>
  Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, "utf8"))![1]) * 1024;
const resetPeak = () => writeFileSync(`/proc/${server.pid}/clear_refs`, "5");

async function phase(params: Record<string, unknown>) {
  const walls: number[] = [];
  const slowest: number[] = [];
  let peak = 0;
  for (let r = 0; r < rounds; r++) {
    Bun.gc(true);
    resetPeak();
    const started = performance.now();
    const times = await Promise.all(
      Array.from({ length: concurrent }, async () => {
        const t = performance.now();
        const res = await fetch(`${server.url}/tools/read_file`, {
          method: "POST",
          headers,
          body: JSON.stringify(params),
        });
        if (res.status !== 200) throw new Error(`read_file: ${res.status} ${await res.text()}`);
        await res.json();
        return performance.now() - t;
      }),
    );
    walls.push(performance.now() - started);
    slowest.push(Math.max(...times));
    peak = Math.max(peak, peakRss());
  }
  return { wall: median(walls), slowest: median(slowest), peak };
}

try {
  progress(`read-window: ${concurrent} concurrent read_file calls, ${rounds} rounds`);
  const floor = await phase({ path: "small.txt", limit: 10 });
  const start = await phase({ path: "big.txt", limit: 10 });
  const deep = await phase({ path: "big.txt", offset: Math.floor(totalLines / 2), limit: 10 });
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
  const row = (name: string, p: typeof floor) => [
    name,
    ms(p.wall),
    ratio(p.wall, floor.wall),
    ms(p.slowest),
    mb(p.peak),
    ratio(p.peak, floor.peak),
  ];
  console.log(`## read_file windows

${concurrent} concurrent \`read_file {limit: 10}\` calls, median of ${rounds} rounds; peak RSS is the
server's over each round. Baseline: the same calls on a 10-line file.

${table(
  ["file, window", "all calls", "vs 10-line file", "slowest call", "peak RSS", "vs 10-line file"],
  [
    row("10 lines, lines 1-10", floor),
    row(`${(fileBytes / 1e6).toFixed(0)} MB, lines 1-10`, start),
    row(`${(fileBytes / 1e6).toFixed(0)} MB, middle (line ${Math.floor(totalLines / 2)})`, deep),
  ],
  ["l", "r", "r", "r", "r", "r"],
)}
`);
} finally {
  await server.stop();
}
