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
  const fresh =
    existsSync(BINARY) &&
    statSync(BINARY).mtimeMs >
      Math.max(newestSource(join(ROOT, "src")), statSync(join(ROOT, "package.json")).mtimeMs);
  if (fresh) return BINARY;
  const res = spawnSync(["npm", "run", "build"], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` },
  });
  if (res.exitCode !== 0) throw new Error(`npm run build failed:\n${res.stderr.toString()}`);
  return BINARY;
}

export async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

export interface Running {
  proc: Subprocess<"ignore", "pipe", "pipe">;
  url: string;
  stderr(): string;
  stop(signal?: NodeJS.Signals | number): Promise<number>;
}

/** Polls /healthz until it answers 200; fails with the server's stderr if it exits or takes 15 s. */
export async function waitForHealthy(
  url: string,
  proc: Subprocess,
  stderr: () => string | Promise<string>,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    if (proc.exitCode !== null || Date.now() > deadline)
      throw new Error(`quiver did not start: ${await stderr()}`);
    await Bun.sleep(25);
  }
}

/**
 * Starts `quiver serve` on a port the server binds itself (`--port 0`, unless the
 * caller passes --port), learns the port from its "listening" log line, and waits for
 * /healthz. No port is picked and released first, so parallel tests cannot collide.
 */
export async function startBinary(
  binary: string,
  args: string[],
  env: Record<string, string | undefined> = {},
  cwd?: string,
): Promise<Running> {
  const portArgs = args.includes("--port") ? [] : ["--port", "0"];
  const proc = spawn([binary, "serve", ...portArgs, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  let err = "";
  const { promise: listening, resolve } = Promise.withResolvers<string | undefined>();
  (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      err += decoder.decode(chunk, { stream: true });
      const url = listeningUrl(err);
      if (url) resolve(url);
    }
    resolve(undefined);
  })();
  const url = await Promise.race([
    listening,
    proc.exited.then(() => Bun.sleep(50).then(() => listeningUrl(err))),
    Bun.sleep(15_000).then(() => undefined),
  ]);
  if (!url) {
    proc.kill("SIGKILL");
    throw new Error(`quiver did not start: ${err}`);
  }
  await waitForHealthy(url, proc, () => err);
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
