import { hostname } from "node:os";
import { type Subprocess, spawn } from "bun";
import type { ChangeFeed } from "../changes.ts";
import type { Config } from "../config.ts";
import { logError, logInfo } from "../log.ts";
import { then } from "../store/awaitable.ts";
import type { Jobs } from "../store/interfaces/jobs.ts";
import { emitRelayed } from "./change-relay.ts";

/**
 * Runs the job worker as a child process (`quiver worker`) with its own database
 * connection, restarts it if it dies, and stops it at a checkpoint on shutdown. The child
 * watches its stdin: when this process dies, even by kill -9, the pipe closes and the
 * worker exits instead of lingering as an orphan.
 */
export interface Supervisor {
  stop(): Promise<void>;
  readonly pid: number | undefined;
}

/** How to start this same program again: the compiled binary, or bun + the entry script. */
export function selfCommand(): string[] {
  return Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/")
    ? [process.execPath]
    : [process.execPath, Bun.main];
}

export function workerArgs(config: Config): string[] {
  return [
    "worker",
    "--data",
    config.dataDir,
    "--job-retention",
    `${config.jobRetentionMs}ms`,
    ...config.importRoots.flatMap((root) => ["--import-root", root]),
    "--max-import-file",
    String(config.maxImportFileBytes),
  ];
}

/**
 * Worker owners are `w<pid>@<host>` (worker.ts; `w<pid>` before). A worker on another
 * host (replicas sharing PostgreSQL) cannot be asked: it counts as alive, and only its
 * lease running out gives its job back.
 */
export function ownerAlive(owner: string): boolean {
  const m = /^w(\d+)(?:@(.*))?$/.exec(owner);
  const pid = Number(m?.[1]);
  if (!pid) return false;
  if (m?.[2] !== undefined && m[2] !== hostname()) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
}

/** How often an on-demand supervisor looks for a queued job before its worker runs. */
export const ON_DEMAND_POLL_MS = 250;

/**
 * `changes`: where the files the worker's jobs write are announced (see change-relay.ts).
 * `onDemand`: start the worker only once a job is queued (looked for every `pollMs`, one
 * indexed query), then keep it. `quiver mcp` runs this way: a client launches it for every
 * session, most sessions start no job, and an idle worker is a process and ~30 MiB.
 */
export function startSupervisor(
  config: Config,
  jobs: Jobs,
  changes?: ChangeFeed,
  opts: { onDemand?: { pollMs: number } } = {},
): Supervisor {
  // Jobs whose worker process is gone (the last server was killed) go back to the queue
  // at once; a worker still alive (another quiver on this data directory) keeps its jobs.
  const requeued = then(jobs.requeueOrphaned(ownerAlive), (count) => {
    if (count) logInfo("requeued interrupted jobs", { count });
  });
  // Expired leases go back to the queue anyway: a failure here only delays that.
  if (requeued instanceof Promise)
    requeued.catch((err) => logError("could not requeue interrupted jobs", { error: err }));
  let child: Subprocess | undefined;
  let stopping = false;
  let restarts = 0;

  const launch = () => {
    // stdout goes to our stderr: under `quiver mcp`, our stdout carries only protocol.
    child = spawn([...selfCommand(), ...workerArgs(config)], {
      stdin: "pipe",
      stdout: 2,
      stderr: "inherit",
      // The database URL may hold a password: the environment, not the command line (ps).
      env: config.databaseUrl
        ? { ...process.env, QUIVER_DATABASE_URL: config.databaseUrl }
        : process.env,
      serialization: "json",
      ipc: changes ? (message) => emitRelayed(changes, message) : undefined,
    });
    const started = Date.now();
    child.exited.then((code) => {
      if (stopping) return;
      restarts = Date.now() - started > 30_000 ? 0 : restarts + 1;
      const delay = Math.min(30_000, 500 * 2 ** restarts);
      logError("job worker exited; restarting", { code, in_ms: delay });
      setTimeout(() => !stopping && launch(), delay).unref();
    });
  };
  let poll: Timer | undefined;
  if (!opts.onDemand) launch();
  else {
    // Interrupted jobs were requeued above, so they are found here too.
    let looking = false;
    poll = setInterval(() => {
      if (looking || stopping || child) return;
      looking = true;
      // One path for both stores: SQLite answers (or throws: a locked or closing database)
      // at once, PostgreSQL with a promise. A failed look is logged and made again at the
      // next tick; so is a spawn that throws.
      Promise.resolve()
        .then(() => jobs.list({ status: "enqueued", limit: 1 }))
        .then(({ jobs: queued }) => {
          if (queued.length === 0 || stopping || child) return;
          launch();
          clearInterval(poll);
        })
        .catch((err) => logError("could not look for queued jobs", { error: err }))
        .finally(() => {
          looking = false;
        });
    }, opts.onDemand.pollMs);
    poll.unref();
  }

  return {
    get pid() {
      return child?.pid;
    },
    async stop() {
      stopping = true;
      clearInterval(poll);
      if (!child || child.exitCode !== null) return;
      child.kill("SIGTERM");
      const timeout = Bun.sleep(10_000).then(() => "timeout");
      if ((await Promise.race([child.exited, timeout])) === "timeout") child.kill("SIGKILL");
    },
  };
}
