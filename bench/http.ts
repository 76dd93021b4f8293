// Section: the HTTP request path. Every contender answers the same trivial tool call
// (list_files, limit 1, bearer auth on) with the same JSON; wrk (pinned to the client core)
// hammers each in turn (servers pinned to the other core). All servers start first and stay
// up (idle ones cost nothing); after a warm-up each, rounds go round-robin (forward, then
// backward) so drift of the machine hits every contender alike. Two figures per round: wrk's
// req/s, and the server's CPU time per request answered (/proc/<pid>/stat). Ratios are the
// median of per-round ratios, for each figure; on a machine shared with other work the CPU
// figure is the steadier one (a round's req/s moves with whatever else runs).
// Prints markdown on stdout. `--smoke`: one 1-second round, no warm-up.
import { parseArgs, progress } from "./lib/args.ts";
import { type Contender, contenders } from "./lib/contenders.ts";
import { type Round, roundOrder, roundRatios, us, verdict, withServerCpu } from "./lib/rounds.ts";
import type { Server } from "./lib/server.ts";
import { int, median, ms, ratio, table } from "./lib/table.ts";
import { CLIENT_CORE, pin, pinSelf } from "./lib/tools.ts";
import { runWrk, type Target, type WrkResult, wrkPath } from "./lib/wrk.ts";

const { smoke } = parseArgs();
pinSelf(CLIENT_CORE); // this process's own requests and polling stay off the server core
const CONNECTIONS = 32;
// Many short rounds rather than a few long ones: more pairs for the per-round ratios.
const SECONDS = smoke ? 1 : 2;
const ROUNDS = smoke ? 1 : 9;
const WARMUP = smoke ? 0 : 4;

const all = contenders();
const notes = new Map<string, string>();
type Measured = WrkResult & Round;
const rounds = new Map<string, Measured[]>();
const servers = new Map<string, Promise<Server>>();
const pids = new Map<string, number>();
const targets = new Map<string, Target>();
const note = (c: Contender, text: string) => void (notes.has(c.key) || notes.set(c.key, text));

/** One request by hand first: a contender that answers wrongly is not measured. */
async function check(t: Target): Promise<void> {
  const res = await fetch(t.url, { method: "POST", headers: t.headers, body: t.body });
  const text = await res.text();
  // MCP wraps the JSON in a text block (escaped quotes), so look for the path, and no tool error.
  if (res.status !== 200 || !text.includes("a.txt") || text.includes('"isError":true'))
    throw new Error(`unexpected answer ${res.status}: ${text.slice(0, 200)}`);
}

async function measure(c: Contender, seconds: number): Promise<Measured | undefined> {
  try {
    const r = await withServerCpu(pids.get(c.key)!, () =>
      runWrk(targets.get(c.key)!, { seconds, connections: CONNECTIONS }),
    );
    if (!r.errors) return r;
    note(c, `broken run: ${r.errors} errors or non-2xx responses in ${r.requests}`);
  } catch (err) {
    note(c, `failed: ${(err as Error).message}`);
  }
  targets.delete(c.key);
}

try {
  for (const c of all) {
    const why =
      c.unavailable() ??
      (wrkPath() ? undefined : "unavailable: wrk is not installed (bench/setup.sh installs it)");
    if (why) {
      note(c, why);
      continue;
    }
    progress(`http: starting ${c.name}`);
    if (!servers.has(c.server)) servers.set(c.server, c.start());
    try {
      const server = await servers.get(c.server)!;
      const target = c.target(server);
      await check(target);
      targets.set(c.key, target);
      pids.set(c.key, server.pid);
    } catch (err) {
      note(c, `failed to start: ${(err as Error).message}`);
    }
  }
  if (WARMUP) for (const c of all.filter((c) => targets.has(c.key))) await measure(c, WARMUP);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of roundOrder(
      all.filter((c) => targets.has(c.key)),
      round - 1,
    )) {
      progress(`http: round ${round}/${ROUNDS}: ${c.name}`);
      const r = await measure(c, SECONDS);
      if (r) rounds.set(c.key, [...(rounds.get(c.key) ?? []), r]);
    }
  }
} finally {
  for (const s of servers.values()) await s.then((s) => s.stop()).catch(() => {});
}

/** A contender's rounds, when it ran every round cleanly. */
const clean = (key: string): Measured[] | undefined => {
  const rs = rounds.get(key);
  return notes.has(key) || !rs?.length ? undefined : rs;
};
/** The best round by req/s: other work on a shared box only ever slows a round down. */
const best = (rs: Measured[]) => [...rs].sort((a, b) => b.rps - a.rps)[0]!;

const rows = all.map((c) => {
  const rs = clean(c.key);
  if (!rs) return [c.name, notes.get(c.key) ?? "not measured"];
  const b = best(rs);
  return [
    c.name,
    int(b.rps),
    ms(b.p50ms),
    ms(b.p99ms),
    us(median(rs.map((r) => r.cpuUs))),
    rs.map((x) => int(x.rps)).join(" / "),
    rs.map((x) => x.cpuUs.toFixed(1)).join(" / "),
  ];
});

/** How far apart one contender's rounds were, for each figure (the widest over contenders). */
function spreadNote(): string {
  const widest = (f: (r: Measured) => number) => {
    let w = { key: "", lo: NaN, hi: NaN };
    for (const c of all) {
      const vs = clean(c.key)?.map(f);
      if (!vs || vs.length < 2) continue;
      const lo = Math.min(...vs);
      const hi = Math.max(...vs);
      if (!(hi / lo <= w.hi / w.lo)) w = { key: c.name, lo, hi };
    }
    return w;
  };
  const rps = widest((r) => r.rps);
  const cpu = widest((r) => r.cpuUs);
  if (!rps.key) return "";
  return `In this run one contender's rounds spread up to ${int(rps.lo)}–${int(rps.hi)} req/s (${rps.key}), and up to ${cpu.lo.toFixed(1)}–${cpu.hi.toFixed(1)} µs CPU per request (${cpu.key}).`;
}

const goal = (label: string, a: string, b: string, min?: number) => {
  const ra = clean(a);
  const rb = clean(b);
  const r = ra && rb ? roundRatios(ra, rb) : { rps: NaN, cpu: NaN };
  const shown = (x: number) => (Number.isFinite(x) ? ratio(x, 1) : "—");
  if (min === undefined) return [label, shown(r.cpu), shown(r.rps), "", ""];
  return [
    label,
    shown(r.cpu),
    shown(r.rps),
    `≥ ${min}×`,
    `${verdict(r.cpu, min)} by CPU, ${verdict(r.rps, min)} by req/s`,
  ];
};

console.log(`## HTTP request path

Same trivial tool call (\`list_files\` with \`limit: 1\` on a store holding one file), same JSON
answer, bearer auth on. \`wrk -t1 -c${CONNECTIONS} -d${SECONDS}s\`${pin(CLIENT_CORE).length ? " pinned to core 1, servers pinned to core 0" : ", no core pinning (no taskset, or one core)"};
${WARMUP ? `a ${WARMUP} s warm-up each, then ` : ""}${ROUNDS} round${ROUNDS > 1 ? "s" : ""} over the contenders (forward, then backward). Two figures per round:
wrk's req/s, and the server process's CPU time (user + system, all threads, from
\`/proc/<pid>/stat\`) over the round divided by the requests it answered. The req/s shown is
each contender's best round, with its latencies; CPU per request is the median round.
quiver is the compiled binary with \`--quiet --rate-limit 0\` (no access log, no per-token rate limit).

${table(["contender", "req/s (best)", "p50", "p99", "server CPU / request", "req/s per round", "CPU µs / request per round"], rows, ["l", "r", "r", "r", "r", "r", "r"])}

"Same work" is a plain \`Bun.serve\` fetch handler calling quiver's own functions for
exactly what quiver does on this call (bearer check, content-type and size checks, JSON
parse, schema validation, the tool, the same response headers and JSON): the ratio
against it is the cost of Elysia, \`@elysiajs/bearer\` and quiver's HTTP layer. "Bare"
skips that work (no validation or checks, no security headers or request id) — a server
nobody should deploy, listed so that work's own cost shows (same work / bare).

Each ratio a / b is the median over rounds of that round's ratio, two ways: **by CPU** (b's
server CPU per request over a's: how much of b's work a does per CPU second) and **by
req/s** (a's throughput over b's, the two rounds minutes apart at most). They answer
different questions: req/s is speed as a client sees it, and on a shared machine it moves
with whatever else runs; CPU per request is the cost of a request on the server, counting
every thread (JIT and GC threads too), and moves much less. ${spreadNote()} Both are
shown, and the verdict names each. MCP against REST is judged once, in the mcp section
(both protocol eras, the same method).

${table(
  ["ratio", "by CPU / request", "by req/s", "goal", "verdict"],
  [
    goal("quiver REST (`/tools/call`) / raw `Bun.serve`, same work", "rest", "raw", 0.8),
    goal("quiver REST (`/tools/call`) / raw `Bun.serve`, bare", "rest", "bare"),
    goal(
      "raw `Bun.serve`: same work / bare (the cost of validation, checks, headers)",
      "raw",
      "bare",
    ),
    goal("quiver REST (`/tools/call`) / Starlette + Uvicorn", "rest", "starlette", 20),
    goal("quiver MCP / MCP TypeScript SDK on Node", "mcp", "sdk"),
    goal(
      "raw `Bun.serve`, same work / Starlette + Uvicorn (the ceiling for a Bun server doing this work)",
      "raw",
      "starlette",
    ),
    goal("raw `Bun.serve`, bare / Starlette + Uvicorn", "bare", "starlette"),
  ],
  ["l", "r", "r", "r", "l"],
)}
`);
