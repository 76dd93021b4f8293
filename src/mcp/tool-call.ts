/*
 * `tools/call`: the pipeline runs the tool (src/tools/pipeline.ts), and its outcome becomes
 * a CallToolResult (tool-result.ts) — or, for a 2026-07-28 client that declares the tasks
 * extension and calls a tool that starts a job, a task (tasks.ts).
 */

import type { AnyTool, ProgressReporter, Services } from "../tools/define.ts";
import { callTool } from "../tools/pipeline.ts";
import {
  INVALID_PARAMS,
  isObject,
  isRequestId,
  type JsonRpcNotification,
  RpcError,
} from "./jsonrpc.ts";
import type { McpCall } from "./protocol.ts";
import { declaresTasks, TASK_TOOLS, taskOf } from "./tasks.ts";
import { failureResult, successResult } from "./tool-result.ts";

export async function runTool(
  params: Record<string, unknown>,
  call: McpCall,
  services: Services,
  modern = false,
): Promise<Record<string, unknown>> {
  const name = params.name;
  if (typeof name !== "string")
    throw new RpcError(
      INVALID_PARAMS,
      "tools/call needs params.name, the tool to call (tools/list lists them)",
    );
  const token = isObject(params._meta) ? params._meta.progressToken : undefined;
  let tool: AnyTool | undefined;
  try {
    const value = await callTool(services, {
      name,
      caller: call.caller,
      params: params.arguments,
      clientSignal: call.signal,
      progress:
        call.notify && isRequestId(token) ? progressReporter(token, call.notify) : undefined,
      onTool: (found) => {
        tool = found;
        call.onTool?.(found.name);
      },
    });
    const jobId = isObject(value) ? value.job_id : undefined;
    if (modern && TASK_TOOLS.has(tool!.name) && typeof jobId === "string" && declaresTasks(params))
      return {
        ...taskOf(await services.jobs.view(jobId), services.config.jobRetentionMs),
        resultType: "task",
      };
    return successResult(tool!, value);
  } catch (err) {
    return failureResult(name, err, { rethrowAuth: call.rethrowAuth });
  }
}

/**
 * `ctx.progress` for a request that asked for progress: `notifications/progress` with
 * the request's token. Progress must increase (spec), so stale or repeated values are
 * dropped rather than sent.
 */
export function progressReporter(
  token: string | number,
  notify: (n: JsonRpcNotification) => void,
): ProgressReporter {
  let last = -Infinity;
  return (progress, total, message) => {
    if (!(progress > last)) return;
    last = progress;
    const params: Record<string, unknown> = { progressToken: token, progress };
    if (total !== undefined) params.total = total;
    if (message !== undefined) params.message = message;
    notify({ jsonrpc: "2.0", method: "notifications/progress", params });
  };
}
