// Section: the HTTP request path. Every contender answers the same trivial tool call
// (list_files, limit 1, bearer auth on) with the same JSON; wrk (pinned to the client core)
// hammers each in turn (servers pinned to the other core). All servers start first and stay
// up (idle ones cost nothing); after a warm-up each, rounds go round-robin so drift of the
// machine hits every contender alike. A contender's figure is its best round: other work on
// a shared box only ever slows a round down, so the best one is the least disturbed.
// Prints markdown on stdout. `--smoke`: one 1-second round, no warm-up.
import { parseArgs, progress } from "./lib/args.ts";
import { type Contender, contenders } from "./lib/contenders.ts";
import type { Server } from "./lib/server.ts";
import { int, ms, ratio, table } from "./lib/table.ts";
import { CLIENT_CORE, pin, pinSelf } from "./lib/tools.ts";
import { runWrk, type Target, type WrkResult, wrkPath } from "./lib/wrk.ts";

const { smoke } = parseArgs();
pinSelf(CLIENT_CORE); // this process's own requests and polling stay off the server core
const CONNECTIONS = 32;
const SECONDS = smoke ? 1 : 4;
const ROUNDS = smoke ? 1 : 5;
const WARMUP = smoke ? 0 : 2;

const all = contenders();
const notes = new Map<string, string>();
const rounds = new Map<string, WrkResult[]>();
const servers = new Map<string, Promise<Server>>();
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

async function measure(c: Contender, seconds: number): Promise<WrkResult | undefined> {
  try {
    const r = await runWrk(targets.get(c.key)!, { seconds, connections: CONNECTIONS });
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
      const target = c.target(await servers.get(c.server)!);
      await check(target);
      targets.set(c.key, target);
    } catch (err) {
      note(c, `failed to start: ${(err as Error).message}`);
    }
  }
  if (WARMUP) for (const c of all.filter((c) => targets.has(c.key))) await measure(c, WARMUP);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const c of all.filter((c) => targets.has(c.key))) {
      progress(`http: round ${round}/${ROUNDS}: ${c.name}`);
      const r = await measure(c, SECONDS);
      if (r) rounds.set(c.key, [...(rounds.get(c.key) ?? []), r]);
    }
  }
} finally {
  for (const s of servers.values()) await s.then((s) => s.stop()).catch(() => {});
}

/** The best round (by req/s) of a contender that ran every round cleanly. */
const result = (key: string): WrkResult | undefined => {
  const rs = rounds.get(key);
  if (notes.has(key) || !rs?.length) return undefined;
  return [...rs].sort((a, b) => b.rps - a.rps)[0];
};
const rps = (key: string) => result(key)?.rps ?? NaN;

const rows = all.map((c) => {
  const r = result(c.key);
  if (!r) return [c.name, notes.get(c.key) ?? "not measured"];
  const spread = rounds
    .get(c.key)!
    .map((x) => int(x.rps))
    .join(" / ");
  return [
    c.name,
    int(r.rps),
    ms(r.p50ms),
    ms(r.p99ms),
    ratio(r.rps, rps("raw")),
    ratio(r.rps, rps("bare")),
    ratio(r.rps, rps("starlette")),
    spread,
  ];
});

const goal = (label: string, a: string, b: string, min?: number) => {
  const r = rps(a) / rps(b);
  const measured = Number.isFinite(r) ? ratio(rps(a), rps(b)) : "—";
  if (min === undefined) return [label, measured, "", ""];
  return [
    label,
    measured,
    `≥ ${min}×`,
    Number.isFinite(r) ? (r >= min ? "met" : "**not met**") : "not measured",
  ];
};

console.log(`## HTTP request path

Same trivial tool call (\`list_files\` with \`limit: 1\` on a store holding one file), same JSON
answer, bearer auth on. \`wrk -t1 -c${CONNECTIONS} -d${SECONDS}s\`${pin(CLIENT_CORE).length ? " pinned to core 1, servers pinned to core 0" : ", no core pinning (no taskset, or one core)"};
${WARMUP ? `a ${WARMUP} s warm-up each, then ` : ""}${ROUNDS} round${ROUNDS > 1 ? "s" : ""} round-robin over the contenders; figures are each contender's best round
(other work on the machine only slows rounds down; all rounds are listed).
quiver is the compiled binary with \`--quiet --rate-limit 0\` (no access log, no per-token rate limit).

${table(["contender", "req/s", "p50", "p99", "vs raw, same work", "vs raw, bare", "vs Starlette", "req/s per round"], rows, ["l", "r", "r", "r", "r", "r", "r", "r"])}

"Same work" is a plain \`Bun.serve\` fetch handler calling quiver's own functions for
exactly what quiver does on this call (bearer check, content-type and size checks, JSON
parse, schema validation, the tool, the same response headers and JSON): the ratio
against it is the cost of Elysia, \`@elysiajs/bearer\` and quiver's HTTP layer. "Bare"
skips that work (no validation or checks, no security headers or request id) — a server
nobody should deploy, listed so that work's own cost shows (same work / bare).

${table(
  ["ratio", "measured", "goal", ""],
  [
    goal("quiver REST (`/tools/call`) / raw `Bun.serve`, same work", "rest", "raw", 0.8),
    goal("quiver REST (`/tools/call`) / raw `Bun.serve`, bare", "rest", "bare"),
    goal(
      "raw `Bun.serve`: same work / bare (the cost of validation, checks, headers)",
      "raw",
      "bare",
    ),
    goal("quiver REST (`/tools/call`) / Starlette + Uvicorn", "rest", "starlette", 20),
    goal("quiver MCP / quiver REST (`/tools/call`)", "mcp", "rest", 0.8),
    goal("quiver MCP / MCP TypeScript SDK on Node", "mcp", "sdk"),
    goal(
      "raw `Bun.serve`, same work / Starlette + Uvicorn (the ceiling for a Bun server doing this work)",
      "raw",
      "starlette",
    ),
    goal("raw `Bun.serve`, bare / Starlette + Uvicorn", "bare", "starlette"),
  ],
  ["l", "r", "r", "l"],
)}
`);
