import { then } from "../store/awaitable.ts";
import { defineTool } from "./define.ts";
import { t } from "./schema.ts";

export const reindex = defineTool({
  name: "reindex",
  description:
    "Rebuild the search index from the stored files, as a background job (search keeps answering meanwhile; each file switches to its " +
    'new passages atomically). Returns at once {job_id, status: "enqueued"}; poll job_status with job_id.',
  input: t.Object({}, { additionalProperties: false }),
  annotations: {
    title: "Rebuild search index",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  scope: "admin",
  run: (_args, { jobs, caller }) =>
    then(jobs.enqueue("reindex", {}, { createdBy: caller.name }), (job) => ({
      job_id: job.job_id,
      status: job.status,
    })),
});
