#!/usr/bin/env bun
import { mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
// MCP over /mcp vs the same work over REST, against the compiled binary: tools/call vs
// POST /tools/call (list_files, limit 1; target >= 0.8x), and resources/read and
// completion/complete vs POST /tools/read_file (target >= 0.85x). Cases: lib/mcp-cases.ts.
//
//   bun bench/mcp.ts [--duration 4] [--rounds 5] [--connections 32] [--smoke] [--no-wrk]
//
// Uses wrk when installed (server and load generator pinned to different cores with
// taskset when there are at least two), otherwise an in-process fetch loop. Prints a
// markdown table. --smoke: one-second runs, for a test that checks the bench starts.
import { spawn, spawnSync } from "bun";
import { BENCH_TOKEN, type Case, GROUPS, READ_PATH } from "./lib/mcp-cases.ts";
import { ensureBinary } from "./lib/quiver.ts";
import { removeScratch } from "./lib/scratch.ts";

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
const duration = Number(values.duration ?? (smoke ? 1 : 4));
const connections = Number(values.connections ?? (smoke ? 4 : 32));
const rounds = Number(values.rounds ?? (smoke ? 1 : 5));
const TOKEN = BENCH_TOKEN;

const have = (cmd: string) => spawnSync(["sh", "-c", `command -v ${cmd}`]).exitCode === 0;
const cores = availableParallelism();
const pin = have("taskset") && cores >= 2;
const useWrk = !values["no-wrk"] && have("wrk");

const CASES = GROUPS.flatMap((g) => g.cases);

async function runWrk(url: string, c: Case, work: string): Promise<number> {
  const script = join(work, "req.lua");
  const headerLines = Object.entries(c.headers).map(
    ([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`,
  );
  writeFileSync(
    script,
    [`wrk.method = "POST"`, `wrk.body = ${JSON.stringify(c.body)}`, ...headerLines].join("\n") +
      "\n",
  );
  const threads = Math.min(2, connections);
  const cmd = [
    "wrk",
    "-t",
    String(threads),
    "-c",
    String(connections),
    "-d",
    `${duration}s`,
    "-s",
    script,
    url + c.path,
  ];
  const res = spawnSync(pin ? ["taskset", "-c", String(cores - 1), ...cmd] : cmd, {
    stdout: "pipe",
    stderr: "pipe",
  });
  const out = res.stdout.toString();
  if (/Non-2xx/.test(out)) throw new Error(`${c.name}: non-2xx answers\n${out}`);
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`wrk output not understood:\n${out}\n${res.stderr}`);
  return Number(m[1]);
}

async function runLoop(url: string, c: Case): Promise<number> {
  const until = performance.now() + duration * 1000;
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
  return count / ((performance.now() - started) / 1000);
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
  const server = spawn(pin ? ["taskset", "-c", "0", ...cmd] : cmd, {
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
      for (let i = 0; i < 200; i++)
        await (
          await fetch(url + c.path, { method: "POST", headers: c.headers, body: c.body })
        ).arrayBuffer(); // warm-up
      const res = await fetch(url + c.path, { method: "POST", headers: c.headers, body: c.body });
      if (res.status !== 200) throw new Error(`${c.name}: ${res.status} ${await res.text()}`);
    }
    // Rounds alternate the cases so drift on a shared machine hits all of them alike;
    // each case's median round is reported.
    const samples: number[][] = CASES.map(() => []);
    for (let round = 0; round < rounds; round++)
      for (const [i, c] of CASES.entries())
        samples[i]!.push(useWrk ? await runWrk(url, c, work) : await runLoop(url, c));
    const rates = samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]!);
    const lines = [
      `quiver ${useWrk ? "wrk" : "fetch loop"}, ${connections} connections, ${rounds} rounds of ${duration}s per case (median), ${pin ? `server on core 0, load on core ${cores - 1}` : "no core pinning"}`,
    ];
    let at = 0;
    for (const group of GROUPS) {
      const base = rates[at]!;
      lines.push(
        "",
        `${group.title}:`,
        "",
        `| case | req/s | vs ${group.cases[0]!.name} |`,
        "| --- | ---: | ---: |",
        ...group.cases.map(
          (c, i) =>
            `| ${c.name} | ${Math.round(rates[at + i]!)} | ${(rates[at + i]! / base).toFixed(2)}x |`,
        ),
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
