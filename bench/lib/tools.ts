import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { spawnSync } from "bun";

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

/**
 * The machine's cores. Not navigator.hardwareConcurrency nor availableParallelism(): those
 * count the cores this process may use, 1 once it is pinned itself.
 */
export const CORES = cpus().length;

/** `taskset -c <core>` prefix when taskset exists and the machine has two cores or more; else nothing. */
export function pin(core: number): string[] {
  const taskset = which("taskset");
  if (!taskset || CORES < 2) return [];
  return [taskset, "-c", String(core % CORES)];
}

/** Moves this process onto one core (the client's), so its own work stays off the server's. */
export function pinSelf(core: number): void {
  const taskset = which("taskset");
  if (taskset && CORES >= 2)
    spawnSync([taskset, "-p", "-c", String(core % CORES), String(process.pid)], {
      stdout: "ignore",
      stderr: "ignore",
    });
}

export const SERVER_CORE = 0;
export const CLIENT_CORE = 1;
