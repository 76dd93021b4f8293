// Section: user tools. Calls per second of the same trivial tool (echo its one parameter)
// defined three ways, in one server process: in the server thread the way built-in tools
// are (the baseline), as a module tool from --tools (runs in the tools worker: a
// postMessage each way), and as a command tool from --tools-config (a process per call).
// wrk (client core) against the server (other core), rounds forward then backward, medians.
// At 1 connection the p50 difference is what isolation adds to one call's latency.
// The server's CPU time per call (all its threads, /proc) is shown too: the machine is
// shared, and requests per second move with the neighbours far more than CPU per call does.
// Two more rows answer a server-thread tool from a bare Worker: one message per call, and
// the calls of an event-loop turn in one message each way — the floor of the tools host's
// hop (what the module tool costs beyond it is the host's and the worker's own work).
// Prints markdown on stdout. `--smoke`: one 1-second round.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, progress } from "./lib/args.ts";
import { ROOT, tempDir } from "./lib/quiver.ts";
import { type Round, roundOrder, roundRatios, us, verdict, withServerCpu } from "./lib/rounds.ts";
import { type Server, startServer } from "./lib/server.ts";
import { int, median, ms, table } from "./lib/table.ts";
import { CLIENT_CORE, pinSelf } from "./lib/tools.ts";
import { runWrk, type WrkResult, wrkPath } from "./lib/wrk.ts";

const { smoke } = parseArgs();
pinSelf(CLIENT_CORE);
const SECONDS = smoke ? 1 : 2;
const ROUNDS = smoke ? 1 : 9;
/** Seconds of load per kind before the rounds. */
const WARMUP = smoke ? 0 : 3;
/** Issue 16's target for the module tool, against the baseline. */
const GOAL = 0.8;
const TOKEN = "bench-static-token-0123456789abcdef";

const KINDS = [
  { tool: "echo_inline", kind: "in the server thread (built-in style; baseline)" },
  { tool: "echo_module", kind: "module tool (--tools, worker)" },
  { tool: "echo_cmd", kind: "command tool (--tools-config, `echo`)" },
  { tool: "echo_bare_worker", kind: "bare Worker, one postMessage per call" },
  { tool: "echo_batched_worker", kind: "floor: bare Worker, calls batched per turn" },
];

function setup(): { tools: string; config: string; data: string } {
  const dir = tempDir("user-tools");
  const tools = join(dir, "tools");
  mkdirSync(tools);
  writeFileSync(
    join(tools, "echo.ts"),
    `import { defineTool, t } from "quiver";
export default defineTool({
  name: "echo_module",
  description: "Echoes. Returns {said}.",
  scope: "read",
  input: t.Object({ say: t.String() }),
  run: ({ say }) => ({ said: say }),
});
`,
  );
  const config = join(dir, "quiver.toml");
  writeFileSync(
    config,
    `[[command]]
name = "echo_cmd"
description = "Echoes."
scope = "read"
argv = ["echo", "{say}"]
input = { type = "object", properties = { say = { type = "string" } }, required = ["say"] }
`,
  );
  return { tools, config, data: join(dir, "data") };
}

const target = (server: Server, tool: string) => ({
  url: `${server.url}/tools/${tool}`,
  body: JSON.stringify({ say: "hi" }),
  headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
});

async function main(): Promise<string> {
  if (!wrkPath())
    return "## User tools\n\nunavailable: wrk is not installed (bench/setup.sh installs it)\n";
  const paths = setup();
  progress("user-tools: starting the server");
  const server = await startServer({
    name: "quiver (user tools)",
    cmd: [
      process.execPath,
      join(ROOT, "bench", "lib", "user-tools-server.ts"),
      "--port",
      "{port}",
      "--data",
      paths.data,
      "--tools",
      paths.tools,
      "--tools-config",
      paths.config,
    ],
    env: { QUIVER_TOKEN: TOKEN, NODE_ENV: "production" },
  });
  const load = async (tool: string, seconds: number, connections: number) => {
    const r = await runWrk(target(server, tool), { seconds, connections });
    if (r.errors) throw new Error(`${tool}: ${r.errors} errors in ${r.requests} requests`);
    return r;
  };
  /** Every round of every kind at -c32: calls/s, latency and the server's CPU per call. */
  const rounds = new Map<string, (WrkResult & Round)[]>(KINDS.map(({ tool }) => [tool, []]));
  const single = new Map<string, WrkResult>();
  try {
    for (const { tool } of KINDS) {
      const res = await fetch(target(server, tool).url, {
        method: "POST",
        ...target(server, tool),
      });
      const text = await res.text();
      if (res.status !== 200 || !text.includes("hi"))
        throw new Error(`${tool}: ${res.status} ${text}`);
    }
    // Warm-up under the measured load, as in the http and mcp sections: the first seconds
    // of a kind's load are spent compiling its path (a module tool's first 4 s measured
    // 46 µs a call against 29 µs after).
    if (WARMUP)
      for (const { tool } of KINDS) {
        progress(`user-tools: warming up ${tool}`);
        await load(tool, WARMUP, 32);
      }
    for (let round = 0; round < ROUNDS; round++)
      for (const { tool } of roundOrder(KINDS, round)) {
        progress(`user-tools: round ${round + 1}/${ROUNDS} ${tool}`);
        rounds.get(tool)!.push(await withServerCpu(server.pid, () => load(tool, SECONDS, 32)));
      }
    for (const tool of ["echo_inline", "echo_module"])
      single.set(tool, await load(tool, SECONDS, 1));
  } finally {
    await server.stop();
  }
  const base = rounds.get("echo_inline")!;
  const mid = (tool: string, pick: (r: WrkResult & Round) => number) =>
    median(rounds.get(tool)!.map(pick));
  const rows = KINDS.map(({ tool, kind }) => {
    const r = roundRatios(rounds.get(tool)!, base);
    return [
      kind,
      int(mid(tool, (x) => x.rps)),
      ms(mid(tool, (x) => x.p50ms)),
      ms(mid(tool, (x) => x.p99ms)),
      `${r.rps.toFixed(2)}×`,
      us(mid(tool, (x) => x.cpuUs)),
      `${r.cpu.toFixed(2)}×`,
    ];
  });
  const moduleRatio = roundRatios(rounds.get("echo_module")!, base);
  const [inline, mod] = [single.get("echo_inline")!, single.get("echo_module")!];
  const cpuUs = mid("echo_module", (x) => x.cpuUs) - mid("echo_inline", (x) => x.cpuUs);
  // Other work on the box moves either figure by more than the worker costs: say so.
  const extra =
    cpuUs > 0
      ? `the worker adds ~${cpuUs.toFixed(1)} µs of server CPU per call (median rounds)`
      : "no extra server CPU per call shows above this run's noise";
  return [
    "## User tools",
    "",
    `The same trivial tool (echo one parameter) three ways, and answered by a bare Worker two ways (the last is the floor of the host's hop), in one \`quiver serve\` process pinned to one core (its threads, the tools worker too, share it; wrk runs on the other); POST /tools/<name>, bearer auth, wrk -c32, ${WARMUP ? `a ${WARMUP} s warm-up per kind, then ` : ""}${ROUNDS} rounds of ${SECONDS} s per kind (forward, then backward). Figures are medians over the rounds; ratios are medians of per-round ratios against the baseline, as in the http and mcp sections.`,
    "",
    table(
      ["tool", "calls/s", "p50", "p99", "× baseline", "server CPU/call", "× baseline by CPU"],
      rows,
      ["l", "r", "r", "r", "r", "r", "r"],
    ),
    "",
    `Target: the module tool ≥ ${GOAL}× the baseline's calls/s: ${verdict(moduleRatio.rps, GOAL)} by calls/s (${moduleRatio.rps.toFixed(2)}×), ${verdict(moduleRatio.cpu, GOAL)} by CPU (${moduleRatio.cpu.toFixed(2)}×).`,
    "",
    "Server CPU/call: the server process's CPU time (all threads: HTTP, the tools worker) per call at -c32; by CPU, the ratio is the baseline's over the tool's, what calls/s would be on a core of its own. On a busy machine it is the fairer column: a server with a second runnable thread (the worker rows) gets a larger share of its core than one with one, so their calls/s can even pass the baseline's.",
    "",
    `Isolation per call: at 1 connection p50 ${ms(inline.p50ms)} in the server thread vs ${ms(mod.p50ms)} in the worker; at saturation ${extra}.`,
    "",
  ].join("\n");
}

process.stdout.write(await main());
