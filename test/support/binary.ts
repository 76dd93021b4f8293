import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Subprocess, spawn, spawnSync } from "bun";

export const ROOT = join(import.meta.dir, "..", "..");
export const BINARY = join(ROOT, "dist", "quiver");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** dist/quiver, rebuilt with `npm run build` unless it is newer than every source file. */
export function buildBinary(): string {
  return buildFresh("build", BINARY);
}

/**
 * dist/quiver-test (`npm run build:test`): the same program compiled with its test-only
 * hooks live (src/test-build.ts), by the same freshness rule. Only tests that need a hook
 * (a job held mid-way) use it; everything else tests the release build.
 */
export const TEST_BINARY = join(ROOT, "dist", "quiver-test");
export function buildTestBinary(): string {
  return buildFresh("build:test", TEST_BINARY);
}

function buildFresh(script: string, output: string): string {
  const fresh =
    existsSync(output) &&
    statSync(output).mtimeMs >
      Math.max(newestSource(join(ROOT, "src")), statSync(join(ROOT, "package.json")).mtimeMs);
  if (fresh) return output;
  const res = spawnSync(["npm", "run", script], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` },
  });
  if (res.exitCode !== 0) throw new Error(`npm run ${script} failed:\n${res.stderr.toString()}`);
  return output;
}

export interface Running {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  stderr(): string;
  stop(signal?: NodeJS.Signals | number): Promise<number>;
}

/**
 * Starts `quiver serve` on a port the kernel picks (`--port 0`: nothing is picked and
 * released first, so no other process can take it meanwhile), learns the URL from the
 * server's "listening" log line, and waits for /healthz.
 */
export async function startBinary(
  /** The executable, or a command such as `[bun, "src/main.ts"]`. */
  binary: string | string[],
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd?: string,
): Promise<Running> {
  const proc = spawn([...[binary].flat(), "serve", "--port", "0", ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  let err = "";
  let announced: (url: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (announced = resolve));
  (async () => {
    for await (const chunk of proc.stderr) {
      err += new TextDecoder().decode(chunk);
      const line = /^\{.*"msg":"listening".*\}$/m.exec(err);
      if (line) announced(JSON.parse(line[0]).url);
    }
  })();
  const announcedUrl = await Promise.race([
    listening,
    proc.exited.then(() => {
      throw new Error(`quiver did not start: ${err}`);
    }),
  ]);
  // A wildcard bind address is reached through loopback.
  const url = announcedUrl.replace("://0.0.0.0:", "://127.0.0.1:").replace("://[::]:", "://[::1]:");
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (proc.exitCode !== null || Date.now() > deadline)
      throw new Error(`quiver did not answer /healthz: ${err}`);
    await Bun.sleep(25);
  }
  return {
    proc,
    url,
    stderr: () => err,
    async stop(signal = "SIGTERM") {
      proc.kill(signal);
      return await proc.exited;
    },
  };
}

/** The URL from the server's `{"msg":"listening","url":…}` log line, once it is there. */
export function listeningUrl(stderr: string): string | undefined {
  for (const line of stderr.split("\n")) {
    if (!line.includes('"listening"')) continue;
    try {
      const fields = JSON.parse(line);
      if (fields.msg === "listening") return fields.url;
    } catch {}
  }
  return undefined;
}
