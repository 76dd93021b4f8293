#!/usr/bin/env bun
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
// MCP over /mcp vs the same work over REST, against the compiled binary: tools/call vs
// POST /tools/call (list_files, limit 1), and resources/read and completion/complete vs
// POST /tools/read_file; target >= 0.85x for each (issue 12). Cases: lib/mcp-cases.ts.
//
//   bun bench/mcp.ts [--duration 2] [--rounds 9] [--connections 32] [--smoke] [--no-wrk]
//
// Uses wrk when installed (lib/wrk.ts: -t1, pinned to the client core, the server to the
// other, as in bench/http.ts), otherwise an in-process fetch loop. Two figures per round:
// req/s, and the server's CPU time per request (lib/rounds.ts). Rounds visit the cases
// forward then backward; ratios are medians of per-round ratios. Prints a markdown table.
// --smoke: one-second runs, for a test that checks the bench starts.
import { spawn, spawnSync } from "bun";
import { BENCH_TOKEN, type Case, GROUPS, READ_PATH } from "./lib/mcp-cases.ts";
import { ensureBinary } from "./lib/quiver.ts";
import { type Round, roundOrder, roundRatios, us, verdict, withServerCpu } from "./lib/rounds.ts";
import { removeScratch } from "./lib/scratch.ts";
import { median, ratio } from "./lib/table.ts";
import { CLIENT_CORE, pinSelf, pin as pinTo, SERVER_CORE } from "./lib/tools.ts";
import { runWrk as wrk } from "./lib/wrk.ts";

const { values } = parseArgs({
  options: {
    duration: { type: "string" },
    connections: { type: "string" },
    smoke: { type: "boolean" },
    rounds: { type: "string" },
    "no-wrk": { type: "boolean" },
  },
});
const smoke = values.smoke ?? false;
const duration = Number(values.duration ?? (smoke ? 1 : 2));
const connections = Number(values.connections ?? (smoke ? 4 : 32));
// Many short rounds rather than a few long ones: more pairs for the per-round ratios.
const rounds = Number(values.rounds ?? (smoke ? 1 : 9));
/** Seconds of load per case before the rounds. */
const warmup = smoke ? 0 : 2;
const TOKEN = BENCH_TOKEN;

const have = (cmd: string) => spawnSync(["sh", "-c", `command -v ${cmd}`]).exitCode === 0;
const pin = pinTo(SERVER_CORE).length > 0;
pinSelf(CLIENT_CORE); // the fetch loop, when there is no wrk, stays off the server's core
const useWrk = !values["no-wrk"] && have("wrk");

const CASES = GROUPS.flatMap((g) => g.cases);

/** The goal for every group: MCP at least this fraction of the REST case's rate (issue 12). */
const GOAL = 0.85;

async function runWrk(
  url: string,
  c: Case,
  seconds = duration,
): Promise<{ requests: number; rps: number }> {
  const r = await wrk(
    { url: url + c.path, body: c.body, headers: c.headers },
    { seconds, connections },
  );
  // Non-2xx answers break the run; a socket error or two on a loaded machine do not (as
  // before this script used lib/wrk.ts).
  if (r.statusErrors) throw new Error(`${c.name}: ${r.statusErrors} non-2xx answers`);
  return r;
}

async function runLoop(
  url: string,
  c: Case,
  seconds = duration,
): Promise<{ requests: number; rps: number }> {
  const until = performance.now() + seconds * 1000;
  let count = 0;
  const worker = async () => {
    while (performance.now() < until) {
      const res = await fetch(url + c.path, { method: "POST", headers: c.headers, body: c.body });
      if (res.status !== 200)
        throw new Error(`${c.name}: status ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
      count++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: connections }, worker));
  return { requests: count, rps: count / ((performance.now() - started) / 1000) };
}

async function main() {
  // Rebuilt only when a source is newer (the tests' rule): a bench started beside running
  // tests must not replace the binary under them.
  const BINARY = ensureBinary();
  const work = mkdtempSync(join(tmpdir(), "quiver-bench-"));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const cmd = [
    BINARY,
    "serve",
    "--port",
    String(port),
    "--data",
    join(work, "data"),
    "--quiet",
    "--rate-limit",
    "0",
  ];
  const server = spawn(pin ? [...pinTo(SERVER_CORE), ...cmd] : cmd, {
    env: { PATH: process.env.PATH, QUIVER_TOKEN: TOKEN, NODE_ENV: "production" },
    stdout: "ignore",
    stderr: "pipe",
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    for (let i = 0; ; i++) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch {}
      if (i > 400) throw new Error("server did not start");
      await Bun.sleep(25);
    }
    await fetch(`${url}/files/${READ_PATH}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: "hello\n",
    });
    for (const c of CASES) {
      const res = await fetch(url + c.path, { method: "POST", headers: c.headers, body: c.body });
      if (res.status !== 200) throw new Error(`${c.name}: ${res.status} ${await res.text()}`);
    }
    // Warm-up under the measured load, each case in turn, as bench/http.ts does. The JIT
    // keeps compiling an MCP call's longer path for seconds, and its compiler threads count
    // in the server's CPU (measured per thread: 1.7-3.4 µs a request in the first seconds of
    // MCP load, none later); after the 200 requests this used to send, the first rounds
    // measured MCP while it was still being compiled.
    if (warmup)
      for (const c of CASES) await (useWrk ? runWrk(url, c, warmup) : runLoop(url, c, warmup));
    // Rounds alternate the cases (forward, then backward) so drift on a shared machine
    // hits all of them alike.
    const samples: Round[][] = CASES.map(() => []);
    for (let round = 0; round < rounds; round++)
      for (const i of roundOrder([...CASES.keys()], round)) {
        const c = CASES[i]!;
        samples[i]!.push(
          await withServerCpu(server.pid, () => (useWrk ? runWrk(url, c) : runLoop(url, c))),
        );
      }
    const lines = [
      `quiver, ${useWrk ? "wrk -t1" : "fetch loop"}, ${connections} connections, ${warmup ? `a ${warmup} s warm-up per case, then ` : ""}${rounds} rounds of ${duration}s per case (forward, then backward), ${pin ? `server on core ${SERVER_CORE}, load on core ${CLIENT_CORE}` : "no core pinning"}.`,
      "Per round: req/s, and the server's CPU time (user + system, all threads) per request answered.",
      "Ratios are the median of per-round ratios: by CPU (the REST case's CPU per request over",
      "this case's) and by req/s. On a shared machine req/s moves with the other work, CPU per",
      "request much less; both are shown, and the verdict names each.",
    ];
    let at = 0;
    for (const group of GROUPS) {
      const base = samples[at]!;
      lines.push(
        "",
        `${group.title}:`,
        "",
        `| case | req/s (median) | server CPU / request (median) | vs ${group.cases[0]!.name}, by CPU | by req/s | goal | verdict |`,
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
        ...group.cases.map((c, i) => {
          const s = samples[at + i]!;
          const r = roundRatios(s, base);
          const judged =
            i === 0
              ? ["", ""]
              : [`≥ ${GOAL}×`, `${verdict(r.cpu, GOAL)} by CPU, ${verdict(r.rps, GOAL)} by req/s`];
          return `| ${c.name} | ${Math.round(median(s.map((x) => x.rps)))} | ${us(median(s.map((x) => x.cpuUs)))} | ${ratio(r.cpu, 1)} | ${ratio(r.rps, 1)} | ${judged.join(" | ")} |`;
        }),
      );
      at += group.cases.length;
    }
    console.log(lines.join("\n"));
  } finally {
    server.kill("SIGTERM");
    await server.exited;
    removeScratch(work);
  }
}

await main();
