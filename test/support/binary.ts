import { spawn, spawnSync, type Subprocess } from "bun";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
export const BINARY = join(ROOT, "dist", "quiver");

let built = false;
/** Builds dist/quiver once per test process (the build takes about a second). */
export function buildBinary(): string {
  if (built && existsSync(BINARY)) return BINARY;
  const res = spawnSync(["bun", "run", "build"], { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` } });
  if (res.exitCode !== 0) throw new Error(`npm run build failed:\n${res.stderr.toString()}`);
  if (!statSync(BINARY).isFile()) throw new Error("build did not produce dist/quiver");
  built = true;
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

/** Starts `quiver serve` and waits for /healthz. */
export async function startBinary(binary: string, args: string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<Running> {
  const port = await freePort();
  const proc = spawn([binary, "serve", "--port", String(port), ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  let err = "";
  (async () => {
    for await (const chunk of proc.stderr) err += new TextDecoder().decode(chunk);
  })();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`quiver did not start: ${err}`);
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
