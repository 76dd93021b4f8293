import { defineTool } from "./define.ts";
import { t } from "./schema.ts";

export const cancelJob = defineTool({
  name: "cancel_job",
  description:
    "Cancel a background job. An enqueued job is canceled at once; a running one stops at its next checkpoint, keeping the work already " +
    "committed (an import keeps the files it finished; each file is all-or-nothing). Returns the job's status object; poll job_status " +
    "until status is canceled. A job that already finished cannot be canceled (409).",
  input: t.Object(
    { job_id: t.String({ minLength: 1, maxLength: 64, description: "The job to cancel" }) },
    { additionalProperties: false },
  ),
  annotations: {
    title: "Cancel job",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  scope: "write",
  run: ({ job_id }, { jobs }) => jobs.cancel(job_id),
});
