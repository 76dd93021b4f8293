// The bench takes minutes and never runs in the test command; this keeps it from rotting:
// every section script must start and report on tiny inputs (`--smoke`), with or without
// wrk and the Python peers installed.
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "bun";
import { withServerCpu } from "../bench/lib/rounds.ts";
import { sections } from "../bench/lib/sections.ts";
import { ratio, table } from "../bench/lib/table.ts";
import { parseWrk, wrkScript } from "../bench/lib/wrk.ts";

const ROOT = join(import.meta.dir, "..");

async function bench(args: string[], env: Record<string, string> = {}) {
  const proc = spawn([process.execPath, ...args], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, ...env },
  });
  const [out, err] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  return { code: await proc.exited, out, err };
}

test("npm run bench --smoke runs every section and writes one markdown report", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "bench-smoke-")), "report.md");
  const res = await bench(["bench/run.ts", "--smoke", "--out", out]);
  expect(res.code, res.err).toBe(0);
  const report = readFileSync(out, "utf8");
  expect(report).toBe(res.out);
  expect(report).toContain("- machine: ");
  expect(sections()).toEqual(expect.arrayContaining(["http", "binary"]));
  expect(report).not.toContain("The section failed");
  expect(report).toContain("## HTTP request path");
  expect(report).toContain("## The binary");
  expect(report).toMatch(/\| quiver MCP \(2026-07-28\) \/ quiver REST \| [\d.]+× \| [\d.]+× \|/);
  expect(report).toContain("## Search engines side by side");
  expect(report).toContain("## read_file windows");
  expect(report).toMatch(/\| query p50, ms \| [\d.]+ \| [\d.]+ \| [\d.]+× \|/);
  expect(report).toMatch(/cold start to first `200 \/healthz` \(median of 3\) \| \d/);
  expect(report).toMatch(/RSS after batch 2 .* \| \d/);
  // Every contender has a row: measured, or a reason it is not.
  for (const name of [
    "raw `Bun.serve`, same work",
    "raw `Bun.serve`, bare",
    "quiver `POST /tools/call`",
    "quiver `POST /tools/list_files`",
    "quiver MCP",
    "Starlette + Uvicorn",
    "MCP TypeScript SDK",
  ])
    expect(report).toContain(`| ${name}`);
  expect(report).not.toMatch(/failed to start|broken run|\| failed:/);
}, 120_000);

test("without wrk or the Python peers the HTTP section says why instead of failing", async () => {
  const res = await bench(["bench/http.ts", "--smoke"], {
    BENCH_WRK: "none",
    BENCH_PYTHON: "none",
  });
  expect(res.code, res.err).toBe(0);
  expect(res.out).toContain(
    "Starlette + Uvicorn (the seed's server) | unavailable: no python3 with starlette + uvicorn",
  );
  expect(res.out).toContain("quiver `POST /tools/call` | unavailable: wrk is not installed");
  expect(res.out).toContain("not measured");
}, 60_000);

test("wrk's done() summary is parsed into req/s and percentiles", () => {
  const script = wrkScript({
    url: "http://x/",
    body: '{"a":"b"}',
    headers: { authorization: "Bearer t" },
  });
  expect(script).toContain('wrk.body = "{\\"a\\":\\"b\\"}"');
  expect(script).toContain('wrk.headers["authorization"] = "Bearer t"');
  const r = parseWrk(
    'Running 1s test\nBENCH {"requests":2000,"us":2000000,"p50":1500,"p99":9000,"errors":3,"status":1}\n',
  );
  expect(r).toEqual({
    requests: 2000,
    seconds: 2,
    rps: 1000,
    p50ms: 1.5,
    p99ms: 9,
    errors: 3,
    statusErrors: 1,
  });
  expect(() => parseWrk("garbage")).toThrow("no summary");
});

test("a round in which no request completed is run again; a real round is kept", async () => {
  const answered = [0, 0, 40];
  let runs = 0;
  const r = await withServerCpu(process.pid, async () => ({ requests: answered[runs++]! }));
  expect(runs).toBe(3);
  expect(r.requests).toBe(40);
  expect(Number.isFinite(r.cpuUs)).toBe(true);
  runs = 0;
  await withServerCpu(process.pid, async () => ({ requests: [7][runs++]! }));
  expect(runs).toBe(1);
});

test("tables are markdown with right-aligned numbers", () => {
  expect(table(["a", "n"], [["x|y", 1], ["z"]], ["l", "r"])).toBe(
    "| a | n |\n|---|---:|\n| x\\|y | 1 |\n| z | — |",
  );
  expect(ratio(30, 1)).toBe("30.0×");
  expect(ratio(1, 0)).toBe("—");
});
