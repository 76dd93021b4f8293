// Section: user tools. Calls per second of the same trivial tool (echo its one parameter)
// defined three ways, in one server process: in the server thread the way built-in tools
// are (the baseline), as a module tool from --tools (runs in the tools worker: a
// postMessage each way), and as a command tool from --tools-config (a process per call).
// wrk (client core) against the server (other core), rounds round-robin, best round each.
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
import { cpuSecondsOf, type Server, startServer } from "./lib/server.ts";
import { int, ms, ratio, table } from "./lib/table.ts";
import { CLIENT_CORE, pinSelf } from "./lib/tools.ts";
import { runWrk, type WrkResult, wrkPath } from "./lib/wrk.ts";

const { smoke } = parseArgs();
pinSelf(CLIENT_CORE);
const SECONDS = smoke ? 1 : 3;
const ROUNDS = smoke ? 1 : 5;
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
  const best = new Map<string, WrkResult>();
  /** Server CPU µs per call at -c32, every round's. */
  const cpu = new Map<string, number[]>();
  const measured = async (tool: string) => {
    const before = cpuSecondsOf(server.pid);
    const r = await runWrk(target(server, tool), { seconds: SECONDS, connections: 32 });
    const us = ((cpuSecondsOf(server.pid) - before) * 1e6) / r.requests;
    cpu.set(tool, [...(cpu.get(tool) ?? []), us]);
    return r;
  };
  const single = new Map<string, WrkResult>();
  const keep = (into: Map<string, WrkResult>, key: string, r: WrkResult) => {
    if (r.errors) throw new Error(`${key}: ${r.errors} errors in ${r.requests} requests`);
    const prev = into.get(key);
    if (!prev || r.rps > prev.rps) into.set(key, r);
  };
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
    for (let round = 0; round < ROUNDS; round++)
      for (const { tool } of KINDS) {
        progress(`user-tools: round ${round + 1}/${ROUNDS} ${tool}`);
        keep(best, tool, await measured(tool));
        if (tool === "echo_inline" || tool === "echo_module")
          keep(
            single,
            tool,
            await runWrk(target(server, tool), { seconds: SECONDS, connections: 1 }),
          );
      }
  } finally {
    await server.stop();
  }
  const base = best.get("echo_inline")!;
  // The least disturbed round, as calls/s takes the best one: others' work only adds.
  const cpuOf = (tool: string) => Math.min(...cpu.get(tool)!);
  const rows = KINDS.map(({ tool, kind }) => {
    const r = best.get(tool)!;
    return [
      kind,
      int(r.rps),
      ms(r.p50ms),
      ms(r.p99ms),
      ratio(r.rps, base.rps),
      `${cpuOf(tool).toFixed(1)} µs`,
      ratio(cpuOf("echo_inline"), cpuOf(tool)),
    ];
  });
  const [inline, mod] = [single.get("echo_inline")!, single.get("echo_module")!];
  const cpuUs = 1e6 / best.get("echo_module")!.rps - 1e6 / base.rps;
  // Other work on the box moves either figure by more than the worker costs: say so.
  const extra =
    cpuUs > 0
      ? `the worker adds ~${cpuUs.toFixed(0)} µs of server time per call (1/rps difference)`
      : "no extra server time per call shows above this run's noise (1/rps difference ≤ 0)";
  return [
    "## User tools",
    "",
    `The same trivial tool (echo one parameter) three ways, and answered by a bare Worker two ways (the last is the floor of the host's hop), in one \`quiver serve\` process pinned to one core (its threads, the tools worker too, share it; wrk runs on the other); POST /tools/<name>, bearer auth, wrk -c32 ${SECONDS} s × ${ROUNDS} rounds round-robin, best round. Target: the module tool ≥ 0.8× the baseline.`,
    "",
    table(
      ["tool", "calls/s", "p50", "p99", "× baseline", "server CPU/call", "× baseline by CPU"],
      rows,
      ["l", "r", "r", "r", "r", "r", "r"],
    ),
    "",
    "Server CPU/call: the server process's CPU time (all threads: HTTP, the tools worker) per call at -c32, in the round that needed least; the last column is the baseline's over the tool's, what calls/s would be on a core of its own. On a busy machine it is the fairer column: a server with a second runnable thread (the worker rows) gets a larger share of its core than one with one, so their calls/s can even pass the baseline's.",
    "",
    `Isolation per call: at 1 connection p50 ${ms(inline.p50ms)} in the server thread vs ${ms(mod.p50ms)} in the worker; at saturation ${extra}.`,
    "",
  ].join("\n");
}

process.stdout.write(await main());
