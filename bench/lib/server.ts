import { readFileSync } from "node:fs";
import { type Subprocess, spawn } from "bun";
import { pin, run, SERVER_CORE } from "./tools.ts";

/** A server under test: started pinned to the server core, ready when GET /healthz is 200. */
export interface Server {
  name: string;
  url: string;
  pid: number;
  /** quiver's data directory, when the server is quiver. */
  dataDir?: string;
  stop(): Promise<void>;
  /** Resident set size of the server process, in bytes (VmRSS). */
  rss(): number;
}

export async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = s.port!;
  s.stop(true);
  return port;
}

export interface StartOptions {
  name: string;
  /** Command with `{port}` where the port goes. */
  cmd: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutMs?: number;
  /** Pin to the server core (default). Off where the server's own processes should share both cores. */
  pinned?: boolean;
}

export async function startServer(opts: StartOptions): Promise<Server> {
  const port = await freePort();
  const cmd = [
    ...(opts.pinned === false ? [] : pin(SERVER_CORE)),
    ...opts.cmd.map((a) => a.replaceAll("{port}", String(port))),
  ];
  const proc: Subprocess<"ignore", "ignore", "pipe"> = spawn(cmd, {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...opts.env },
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
  });
  let err = "";
  (async () => {
    for await (const chunk of proc.stderr)
      err = (err + new TextDecoder().decode(chunk)).slice(-4000);
  })();
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {}
    if (proc.exitCode !== null || Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(
        `${opts.name} did not start: ${err.trim().split("\n").slice(-3).join(" / ") || "no output"}`,
      );
    }
    await Bun.sleep(20);
  }
  return {
    name: opts.name,
    url,
    pid: proc.pid,
    rss: () => rssOf(proc.pid),
    async stop() {
      proc.kill("SIGTERM");
      const killer = setTimeout(() => proc.kill("SIGKILL"), 5000);
      await proc.exited;
      clearTimeout(killer);
    },
  };
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return kb ? Number(kb[1]) * 1024 : NaN;
}

/** Direct children of a process (quiver serve supervises a job worker process). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

const CLOCK_TICKS = Number(run(["getconf", "CLK_TCK"])) || 100;

/**
 * CPU seconds a process has used so far, all its threads (utime + stime of /proc/PID/stat).
 * On a machine other work shares, a server's CPU time per request moves far less than its
 * requests per second do.
 */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
