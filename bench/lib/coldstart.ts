import { spawn } from "bun";
import { freePort } from "./server.ts";
import { pin, SERVER_CORE } from "./tools.ts";

/**
 * Milliseconds from spawning `cmd` (with `{port}` filled in) to its first `200 /healthz`,
 * polled as fast as connections are refused. The process is killed afterwards.
 */
export async function coldStart(cmd: string[], env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/healthz`;
  const started = performance.now();
  const proc = spawn(
    [...pin(SERVER_CORE), ...cmd.map((a) => a.replaceAll("{port}", String(port)))],
    {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdin: "ignore",
      stdout: "ignore",
      stderr: "ignore",
    },
  );
  try {
    for (;;) {
      try {
        const res = await fetch(url);
        if (res.status === 200) return performance.now() - started;
      } catch {}
      if (proc.exitCode !== null)
        throw new Error(`exited with ${proc.exitCode} before answering /healthz`);
      if (performance.now() - started > 15_000) throw new Error("no 200 /healthz within 15 s");
      await Bun.sleep(1);
    }
  } finally {
    proc.kill("SIGTERM"); // lets quiver stop its job worker too
    const killer = setTimeout(() => proc.kill("SIGKILL"), 5000);
    await proc.exited;
    clearTimeout(killer);
  }
}

/** Milliseconds for `cmd` to run to completion (e.g. `quiver version`: the process floor). */
export async function runTime(cmd: string[]): Promise<number> {
  const started = performance.now();
  const proc = spawn([...pin(SERVER_CORE), ...cmd], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "ignore",
  });
  const code = await proc.exited;
  if (code !== 0) throw new Error(`${cmd.join(" ")} exited ${code}`);
  return performance.now() - started;
}
