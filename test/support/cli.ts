import { join } from "node:path";
import { spawnSync } from "bun";

/** `quiver` from source: the same code the binary runs, without building it. */
export const QUIVER = [process.execPath, join(import.meta.dir, "..", "..", "src", "main.ts")];

export interface CliResult {
  code: number | null;
  out: string;
  err: string;
}

/** Runs one command to its end. QUIVER_TOKEN is unset unless `env` sets it. */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): CliResult {
  const res = spawnSync([...QUIVER, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env },
    stdout: "pipe",
    stderr: "pipe",
    timeout: opts.timeoutMs ?? 30_000,
  });
  return { code: res.exitCode, out: res.stdout.toString(), err: res.stderr.toString() };
}

/** What a person sees when a command fails as expected: one line, no stack trace. */
export function oneLine(err: string): string {
  const lines = err.trimEnd().split("\n");
  if (lines.length !== 1 || !lines[0]!.startsWith("quiver: ") || err.includes("    at "))
    throw new Error(`expected one "quiver: …" line on stderr, got:\n${err}`);
  return lines[0]!;
}
