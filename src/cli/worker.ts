import { getPriority, setPriority } from "node:os";
import { loadConfig } from "../config.ts";
import { StartupError } from "../errors.ts";
import { relayChanges } from "../jobs/change-relay.ts";
import { jobKinds } from "../jobs/registry.ts";
import { runWorker } from "../jobs/worker.ts";
import { logInfo } from "../log.ts";
import { openServices } from "../services.ts";
import { parse, serverOptions } from "./args.ts";

const WORKER_NICENESS = 10;

export const workerHelp = `quiver worker [--data DIR] [--import-root DIR]... [--job-retention DAYS]

Runs background jobs (imports, reindexing). \`quiver serve\` starts one for you; run it by
hand only to debug. Stops at the next checkpoint on SIGTERM or when stdin closes.`;

export async function worker(argv: string[]): Promise<void> {
  const { values } = parse(argv, serverOptions);
  const config = loadConfig(values);
  // Started by serve after it opened (or made) the store; alone, it never makes one.
  const services = await openServices(config, { create: false });
  if (services.readOnly)
    throw new StartupError(
      `the data directory ${config.dataDir} is not writable; jobs cannot run on it`,
    );
  const abort = new AbortController();
  const stop = (why: string) => {
    if (abort.signal.aborted) return;
    logInfo("job worker stopping", { why });
    abort.abort();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  // The server holds our stdin open; EOF means it is gone (even after kill -9).
  if (!process.stdin.isTTY) {
    process.stdin.on("end", () => stop("parent gone"));
    process.stdin.on("close", () => stop("parent gone"));
    process.stdin.resume();
  }
  // Background work yields the CPU to the HTTP server: searches stay fast while an
  // import runs (bench/jobs.ts measures it). Not being allowed to renice is no reason to stop.
  try {
    setPriority(WORKER_NICENESS);
  } catch {}
  logInfo("job worker started", { pid: process.pid, niceness: getPriority() });
  // Started by a server (supervisor.ts): it hears what the jobs write — from us, unless
  // the database announces every process's changes already (PostgreSQL).
  const send = services.sharedChanges ? undefined : process.send?.bind(process);
  const stopRelay = send ? relayChanges(services.changes, (m) => void send(m)) : undefined;
  await runWorker(services, {
    kinds: jobKinds,
    retentionMs: config.jobRetentionMs,
    signal: abort.signal,
  });
  stopRelay?.();
  await services.close();
  process.exit(0);
}
