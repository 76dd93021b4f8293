import { spawnSync } from "bun";
import { existsSync } from "node:fs";

/** Locating external programs. The bench installs nothing itself (bench/setup.sh does). */
export function which(cmd: string): string | undefined {
  if (cmd.includes("/")) return existsSync(cmd) ? cmd : undefined;
  return Bun.which(cmd) ?? undefined;
}

/** Output of a command, or undefined when it cannot run or fails. */
export function run(cmd: string[], opts: { cwd?: string } = {}): string | undefined {
  try {
    const res = spawnSync(cmd, { cwd: opts.cwd, stdout: "pipe", stderr: "pipe" });
    if (res.exitCode !== 0) return undefined;
    return (res.stdout.toString() + res.stderr.toString()).trim();
  } catch {
    return undefined;
  }
}

/** `taskset -c <core>` prefix when taskset exists and the machine has that core; else nothing. */
export function pin(core: number): string[] {
  const taskset = which("taskset");
  if (!taskset || navigator.hardwareConcurrency < 2) return [];
  return [taskset, "-c", String(core % navigator.hardwareConcurrency)];
}

export const SERVER_CORE = 0;
export const CLIENT_CORE = 1;
