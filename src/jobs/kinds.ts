import type { OpenServices } from "../services.ts";
import type { Awaitable } from "../store/awaitable.ts";

/**
 * What a running job may use. `checkpoint` records progress, renews the lease and is where
 * a job stops when canceled or when the worker shuts down: it throws JobStopped, and the
 * job's own code must leave consistent state at every checkpoint. Await it: on an
 * asynchronous store the lease is renewed (and a cancel seen) when its promise settles.
 */
export interface JobContext {
  services: OpenServices;
  jobId: string;
  signal: AbortSignal;
  checkpoint(done: number, total?: number | null, message?: string): Awaitable<void>;
}

export interface JobKind {
  kind: string;
  run(params: Record<string, unknown>, ctx: JobContext): Promise<unknown>;
}

export class JobStopped extends Error {
  constructor(readonly reason: "canceled" | "shutdown" | "lost") {
    super(`job stopped: ${reason}`);
  }
}
