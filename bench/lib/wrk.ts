import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "bun";
import { CLIENT_CORE, pin, which } from "./tools.ts";

/** One POST endpoint as wrk will hammer it. */
export interface Target {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface WrkResult {
  requests: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  /** Non-2xx responses plus socket errors: any is a broken run. */
  errors: number;
  /** Of those, the non-2xx responses (a socket error on a loaded machine is not the server's answer). */
  statusErrors: number;
}

/** wrk, or undefined. BENCH_WRK overrides the lookup (a path, or "none" to act as if absent). */
export function wrkPath(): string | undefined {
  const override = process.env.BENCH_WRK;
  if (override === "none") return undefined;
  return which(override || "wrk");
}

const lua = (s: string) => JSON.stringify(s); // a JSON string literal is a valid Lua string literal for our ASCII bodies

/** The Lua script: the POST, and a done() hook printing exact figures as one JSON line. */
export function wrkScript(target: Target): string {
  const headers = Object.entries(target.headers).map(
    ([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`,
  );
  return [
    `wrk.method = "POST"`,
    `wrk.body = ${lua(target.body)}`,
    ...headers,
    `done = function(summary, latency, requests)`,
    `  local e = summary.errors`,
    `  io.write(string.format('BENCH {"requests":%d,"us":%d,"p50":%d,"p99":%d,"errors":%d,"status":%d}\\n',`,
    `    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),`,
    `    e.connect + e.read + e.write + e.timeout + e.status, e.status))`,
    `end`,
  ].join("\n");
}

export function parseWrk(output: string): WrkResult {
  const line = /^BENCH (\{.*\})$/m.exec(output);
  if (!line) throw new Error(`wrk printed no summary: ${output.trim().slice(-300)}`);
  const j = JSON.parse(line[1]!) as {
    requests: number;
    us: number;
    p50: number;
    p99: number;
    errors: number;
    status?: number;
  };
  const seconds = j.us / 1e6;
  return {
    requests: j.requests,
    seconds,
    rps: j.requests / seconds,
    p50ms: j.p50 / 1000,
    p99ms: j.p99 / 1000,
    errors: j.errors,
    statusErrors: j.status ?? j.errors,
  };
}

/** Runs wrk pinned to the client core: `-t1 -c<connections> -d<seconds>s`. */
export async function runWrk(
  target: Target,
  opts: { seconds: number; connections: number },
): Promise<WrkResult> {
  const wrk = wrkPath();
  if (!wrk) throw new Error("wrk is not installed (bench/setup.sh installs it)");
  const dir = mkdtempSync(join(tmpdir(), "quiver-wrk-"));
  try {
    const script = join(dir, "post.lua");
    writeFileSync(script, wrkScript(target));
    const cmd = [
      ...pin(CLIENT_CORE),
      wrk,
      "-t1",
      `-c${opts.connections}`,
      `-d${opts.seconds}s`,
      "--timeout",
      "5s",
      "-s",
      script,
      target.url,
    ];
    const proc = spawn(cmd, { stdout: "pipe", stderr: "pipe" });
    const [out, err] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
    ]);
    if ((await proc.exited) !== 0) throw new Error(`wrk failed: ${err.trim() || out.trim()}`);
    return parseWrk(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
