/*
 * The tasks extension (`io.modelcontextprotocol/tasks`, SEP-2663) over the durable job
 * queue. A 2026-07-28 `tools/call` of a tool that starts a job (import_path, reindex)
 * answers a task instead of the job handle when the request's client capabilities declare
 * the extension; without it the call answers as always. Task id = job id. Statuses:
 * enqueued and running → working; succeeded → completed with the job's result as the
 * CallToolResult; a job that failed → completed with `isError: true` (SEP-2663 keeps
 * `failed` for JSON-RPC errors); canceled → cancelled. Tasks never need input.
 */

import { QuiverError } from "../errors.ts";
import type { JobView } from "../store/jobs.ts";
import type { Caller } from "../store/tokens.ts";
import type { Services } from "../tools/define.ts";
import { requireScope } from "../tools/pipeline.ts";
import { INVALID_PARAMS, isObject, RpcError } from "./jsonrpc.ts";
import { META } from "./versions.ts";

export const TASKS_EXTENSION = "io.modelcontextprotocol/tasks";
/** The tools whose result is a job handle (`{job_id, status}`). */
export const TASK_TOOLS: ReadonlySet<string> = new Set(["import_path", "reindex"]);
/** Jobs report progress every 200 ms or so; polling faster than this learns nothing. */
export const TASK_POLL_MS = 1000;

/** Whether a request's `_meta` client capabilities declare the tasks extension. */
export function declaresTasks(params: Record<string, unknown>): boolean {
  const meta = params._meta;
  const caps = isObject(meta) ? meta[META.clientCapabilities] : undefined;
  const extensions = isObject(caps) ? caps.extensions : undefined;
  return isObject(extensions) && isObject(extensions[TASKS_EXTENSION]);
}

/** A job as the extension's DetailedTask. */
export function taskOf(
  job: JobView,
  retentionMs: number,
  now = Date.now(),
): Record<string, unknown> {
  const created = Date.parse(job.created_at);
  const finished = job.finished_at ? Date.parse(job.finished_at) : undefined;
  const task: Record<string, unknown> = {
    taskId: job.job_id,
    status: STATUS[job.status],
    createdAt: job.created_at,
    lastUpdatedAt: job.finished_at ?? job.started_at ?? job.created_at,
    // Finished jobs are kept for the retention period (then pruned): counted from creation.
    ttlMs: (finished ?? now) - created + retentionMs,
    pollIntervalMs: TASK_POLL_MS,
  };
  const message = statusMessage(job);
  if (message) task.statusMessage = message;
  if (job.status === "succeeded")
    task.result = { content: [{ type: "text", text: JSON.stringify(job.result ?? null) }] };
  if (job.status === "failed")
    task.result = {
      content: [
        { type: "text", text: `${job.kind} job failed: ${job.last_error ?? "unknown error"}` },
      ],
      isError: true,
    };
  return task;
}

const STATUS: Record<JobView["status"], string> = {
  enqueued: "working",
  running: "working",
  succeeded: "completed",
  failed: "completed",
  canceled: "cancelled",
};

function statusMessage(job: JobView): string | undefined {
  if (job.status === "enqueued") return "waiting for the job worker";
  if (job.status !== "running") return undefined;
  const { done, total, message } = job.progress;
  return `${done}${total === null ? "" : ` of ${total}`} done${message ? `: ${message}` : ""}`;
}

async function jobOf(
  params: Record<string, unknown>,
  services: Services,
  method: string,
): Promise<JobView> {
  const { taskId } = params;
  if (typeof taskId !== "string")
    throw new RpcError(
      INVALID_PARAMS,
      `${method} needs params.taskId, the taskId a tools/call answered`,
    );
  const job = await services.jobs.get(taskId);
  if (!job)
    throw new RpcError(INVALID_PARAMS, `no task with id ${JSON.stringify(taskId.slice(0, 100))}`);
  return job;
}

export async function getTask(params: Record<string, unknown>, caller: Caller, services: Services) {
  requireScope(caller, "read", "tasks/get");
  return taskOf(await jobOf(params, services, "tasks/get"), services.config.jobRetentionMs);
}

/** Acknowledged with {} (the job stops at its next checkpoint); a finished one stays as it ended. */
export async function cancelTask(
  params: Record<string, unknown>,
  caller: Caller,
  services: Services,
) {
  requireScope(caller, "write", "tasks/cancel");
  const job = await jobOf(params, services, "tasks/cancel");
  if (job.status === "enqueued" || job.status === "running") {
    try {
      await services.jobs.cancel(job.job_id);
    } catch (err) {
      // It finished meanwhile (409): cancellation is eventually consistent (SEP-2663).
      if (!(err instanceof QuiverError && err.status === 409)) throw err;
    }
  }
  return {};
}

/** quiver's tasks never ask for input: an update of a known task is acknowledged and ignored. */
export async function updateTask(
  params: Record<string, unknown>,
  caller: Caller,
  services: Services,
) {
  requireScope(caller, "read", "tasks/update");
  await jobOf(params, services, "tasks/update");
  return {};
}
