// Section: CPU per request in-process. The same requests the http and mcp sections send
// (the same-work handler's and quiver's POST /tools/call, quiver's MCP tools/call in both
// eras), handed as Request objects straight to the handlers in this one process, one at a
// time, in interleaved rounds (forward, then backward); each round's CPU time
// (process.cpuUsage) over its calls. What this leaves out is Bun.serve's own work (sockets,
// HTTP parsing, writing the answer) and the connection guard `quiver serve` adds, so it is
// no bound on the over-HTTP ratios; what it gains is a figure a busy machine barely moves
// (nothing waits on a socket or a scheduler between calls).
// Prints markdown on stdout. `--smoke`: two short rounds.
import { loadConfig } from "../src/config.ts";
import { createHandler } from "../src/server/handler.ts";
import { openSqliteServices } from "../src/services.ts";
import { parseArgs, progress } from "./lib/args.ts";
import { BENCH_TOKEN, GROUPS } from "./lib/mcp-cases.ts";
import { tempDir } from "./lib/quiver.ts";
import { verdict } from "./lib/rounds.ts";
import { sameWorkHandler } from "./lib/same-work.ts";
import { median, ratio, table } from "./lib/table.ts";

// Not pinned to a core: sharing one with other work costs a pinned process cold caches
// after every switch (measured: 2-3x the CPU per call on a busy machine).
const { smoke } = parseArgs();
const CALLS = smoke ? 50 : 2000;
const ROUNDS = smoke ? 2 : 31;

const services = openSqliteServices(
  loadConfig(
    { data: tempDir("request-cpu"), quiet: true, "rate-limit": "0" },
    { QUIVER_TOKEN: BENCH_TOKEN },
  ),
);
await services.files.put("a.txt", [new TextEncoder().encode("hello, bench\n")]);
const quiver = createHandler(services);
const same = sameWorkHandler(services);

const [rest, modern, legacy] = GROUPS[0]!.cases;
const contenders = [
  { key: "same", name: "same-work handler, `POST /tools/call`", handle: same, c: rest! },
  { key: "rest", name: "quiver `POST /tools/call`", handle: quiver, c: rest! },
  { key: "mcp", name: `quiver ${modern!.name}`, handle: quiver, c: modern! },
  { key: "mcp25", name: `quiver ${legacy!.name}`, handle: quiver, c: legacy! },
].map((x) => ({
  ...x,
  // As a client sends it: a declared length (the body reader relies on it).
  headers: { ...x.c.headers, "content-length": String(Buffer.byteLength(x.c.body)) },
}));
type Contender = (typeof contenders)[number];

const request = (x: Contender) =>
  new Request(`http://127.0.0.1:8080${x.c.path}`, {
    method: "POST",
    headers: x.headers,
    body: x.c.body,
  });

/** One round: CPU µs per call. */
async function round(x: Contender): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await (await x.handle(request(x))).arrayBuffer();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / CALLS;
}

for (const x of contenders) {
  const res = await x.handle(request(x));
  const text = await res.text();
  if (res.status !== 200 || !text.includes("a.txt") || text.includes('"isError":true'))
    throw new Error(`${x.name}: unexpected answer ${res.status}: ${text.slice(0, 200)}`);
}
const samples = new Map<string, number[]>(contenders.map((x) => [x.key, []]));
for (let r = 0; r < ROUNDS; r++) {
  progress(`request-cpu: round ${r + 1}/${ROUNDS}`);
  for (const x of r % 2 ? [...contenders].reverse() : contenders)
    samples.get(x.key)!.push(await round(x));
}
services.close();

const us = (n: number) => `${n.toFixed(2)} µs`;
const of = (key: string) => samples.get(key)!;
/** b's CPU per call over a's, per round, median: how much of b's work a does per CPU second. */
const perRound = (a: string, b: string) => median(of(a).map((x, i) => of(b)[i]! / x));
const least = (key: string) => Math.min(...of(key));

const rows = contenders.map((x) => [
  x.name,
  us(least(x.key)),
  us(median(of(x.key))),
  of(x.key)
    .slice(0, 9)
    .map((v) => v.toFixed(1))
    .join(" / ") + (ROUNDS > 9 ? " …" : ""),
]);
const goal = (label: string, a: string, b: string, min: number) => {
  const r = perRound(a, b);
  return [label, ratio(r, 1), ratio(least(b), least(a)), `≥ ${min}×`, verdict(r, min)];
};

console.log(`## CPU per request, in-process

The http and mcp sections' requests handed straight to the handlers in one process (no
sockets): ${ROUNDS} rounds of ${CALLS} calls per contender, one call at a time, contenders
interleaved (forward, then backward), CPU time of the process per call. This leaves out
Bun.serve's own work (sockets, HTTP parsing, writing the answer) and what \`quiver serve\`
wraps around its handler (the connection guard: in-flight bound, body deadline). It is
**not** a bound on the over-HTTP ratios — over HTTP quiver's extra cost per request has
come out larger than here — only the view of the handlers' own cost that a busy machine
moves least. The goals belong to the http and mcp sections.

${table(["contender", "CPU / call (least)", "CPU / call (median)", "per round (first 9)"], rows, ["l", "r", "r", "r"])}

${table(
  ["ratio", "median of per-round ratios", "least / least", "goal (over HTTP)", "in-process"],
  [
    goal("quiver REST / same-work handler", "rest", "same", 0.8),
    goal("quiver MCP (2026-07-28) / quiver REST", "mcp", "rest", 0.85),
    goal("quiver MCP (2025-11-25) / quiver REST", "mcp25", "rest", 0.85),
  ],
  ["l", "r", "r", "r", "l"],
)}
`);
process.exit(0);
