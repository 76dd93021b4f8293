// Small helpers for test/container.test.ts: run podman (with runc, see
// shared/notes/containers.md), wait for a container's HEALTHCHECK, and clean up.
import { existsSync } from "node:fs";

export const RUNC = "/usr/sbin/runc";

/** Why the container test cannot run here, or undefined when it can. */
export function podmanMissing(): string | undefined {
  if (!Bun.which("podman"))
    return "podman is not installed (bash .ci/install-podman.sh installs it)";
  if (!existsSync(RUNC))
    return `runc is not installed at ${RUNC} (bash .ci/install-podman.sh installs it)`;
  return undefined;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `podman --runtime runc ARGS...`; never throws. */
export async function podmanTry(args: string[], opts: { cwd?: string } = {}): Promise<Result> {
  const proc = Bun.spawn(["podman", "--runtime", RUNC, ...args], {
    cwd: opts.cwd,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

/** Runs podman and returns its trimmed stdout; throws with podman's stderr on failure. */
export async function podman(args: string[], opts: { cwd?: string } = {}): Promise<string> {
  const r = await podmanTry(args, opts);
  if (r.code !== 0) {
    throw new Error(
      `podman ${args.join(" ")} exited ${r.code}:\n${withoutSystemdNoise(r.stderr)}${r.stdout.slice(-4000)}`,
    );
  }
  return r.stdout.trim();
}

/**
 * podman 4 schedules healthchecks with systemd timers; with no systemd (containers, CI)
 * it says so on every run/stop. Harmless here: the test runs the healthcheck itself.
 */
export function withoutSystemdNoise(text: string): string {
  return text
    .split("\n")
    .filter((l) => !l.includes("/run/systemd/private"))
    .join("\n");
}

export async function inspect(name: string, format: string): Promise<string> {
  return podman(["inspect", "--format", format, name]);
}

/** The 127.0.0.1 port podman picked for the container's 8080. */
export async function hostPort(name: string): Promise<number> {
  const out = await podman(["port", name, "8080/tcp"]); // "127.0.0.1:43127"
  return Number(out.split("\n")[0]!.split(":").pop());
}

/**
 * Runs the image's own HEALTHCHECK (`quiver healthcheck` inside the container) until it
 * passes, then checks podman records the container as healthy.
 */
export async function waitHealthy(name: string, timeoutMs = 60_000): Promise<number> {
  const started = performance.now();
  let last: Result | undefined;
  while (performance.now() - started < timeoutMs) {
    const state = await inspect(name, "{{.State.Status}}");
    if (state !== "running") {
      const logs = await podmanTry(["logs", name]);
      throw new Error(
        `container ${name} is ${state}, not running. Logs:\n${logs.stdout}${logs.stderr}`,
      );
    }
    last = await podmanTry(["healthcheck", "run", name]);
    if (last.code === 0) {
      const health = await inspect(name, "{{.State.Health.Status}}");
      if (health !== "healthy") throw new Error(`healthcheck passed but podman says ${health}`);
      return performance.now() - started;
    }
    await Bun.sleep(200);
  }
  const logs = await podmanTry(["logs", name]);
  throw new Error(
    `container ${name} not healthy after ${timeoutMs} ms: ${withoutSystemdNoise(last?.stderr ?? "")}${last?.stdout ?? ""}\nLogs:\n${logs.stdout}${logs.stderr}`,
  );
}

/** Real uid/gid of a process, from /proc (the container's PID 1, seen from the host). */
export async function processIds(pid: number): Promise<{ uid: number[]; gid: number[] }> {
  const status = await Bun.file(`/proc/${pid}/status`).text();
  const ids = (key: string) =>
    status
      .match(new RegExp(`^${key}:\\s+(.*)$`, "m"))![1]!
      .trim()
      .split(/\s+/)
      .map(Number);
  return { uid: ids("Uid"), gid: ids("Gid") };
}
