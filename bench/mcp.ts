#!/usr/bin/env bun
import { mkdtempSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
// tools/call over /mcp vs POST /tools/call for the same tool (list_files, limit 1),
// against the compiled binary. The target is MCP >= 0.8x REST.
//
//   bun bench/mcp.ts [--duration 4] [--rounds 5] [--connections 32] [--smoke] [--no-wrk]
//
// Uses wrk when installed (server and load generator pinned to different cores with
// taskset when there are at least two), otherwise an in-process fetch loop. Prints a
// markdown table. --smoke: one-second runs, for a test that checks the bench starts.
import { spawn, spawnSync } from "bun";
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
const ROOT = join(import.meta.dir, "..");
const BINARY = join(ROOT, "dist", "quiver");
const TOKEN = "bench-token-0123456789abcdef0123456789";
const MODERN = "2026-07-28";

const have = (cmd: string) => spawnSync(["sh", "-c", `command -v ${cmd}`]).exitCode === 0;
const cores = availableParallelism();
const pin = have("taskset") && cores >= 2;
const useWrk = !values["no-wrk"] && have("wrk");

function build() {
  const res = spawnSync(["npm", "run", "build"], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` },
  });
  if (res.exitCode !== 0) throw new Error(res.stderr.toString());
}

interface Case {
  name: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

const auth = { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" };
const CASES: Case[] = [
  {
    name: "POST /tools/call",
    path: "/tools/call",
    headers: auth,
    body: JSON.stringify({ name: "list_files", parameters: { limit: 1 } }),
  },
  {
    name: "MCP tools/call (2026-07-28)",
    path: "/mcp",
    headers: {
      ...auth,
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": MODERN,
      "mcp-method": "tools/call",
      "mcp-name": "list_files",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: {
        name: "list_files",
        arguments: { limit: 1 },
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN,
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    }),
  },
  {
    name: "MCP tools/call (2025-11-25)",
    path: "/mcp",
    headers: {
      ...auth,
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-11-25",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "list_files", arguments: { limit: 1 } },
    }),
  },
];

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
  build();
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
    await fetch(`${url}/files/bench/a.txt`, {
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
    const base = rates[0]!;
    const lines = [
      `quiver ${useWrk ? "wrk" : "fetch loop"}, ${connections} connections, ${rounds} rounds of ${duration}s per case (median), ${pin ? `server on core 0, load on core ${cores - 1}` : "no core pinning"}`,
      "",
      "| case | req/s | vs POST /tools/call |",
      "| --- | ---: | ---: |",
      ...CASES.map(
        (c, i) => `| ${c.name} | ${Math.round(rates[i]!)} | ${(rates[i]! / base).toFixed(2)}x |`,
      ),
    ];
    console.log(lines.join("\n"));
  } finally {
    server.kill("SIGTERM");
    await server.exited;
    removeScratch(work);
  }
}

await main();
