import { defineTool } from "./define.ts";
import { t } from "./schema.ts";

export const jobStatus = defineTool({
  name: "job_status",
  description:
    "Status of a background job started by a tool such as import_path. Returns {job_id, kind, status: enqueued|running|succeeded|failed|canceled, " +
    "progress: {done, total}, attempts, last_error?, result?, created_at, started_at?, finished_at?}. Poll until status is succeeded, failed or canceled.",
  input: t.Object(
    {
      job_id: t.String({ minLength: 1, maxLength: 64, description: "The job_id a tool returned" }),
    },
    { additionalProperties: false },
  ),
  annotations: { title: "Job status", readOnlyHint: true, openWorldHint: false },
  scope: "read",
  run: ({ job_id }, { jobs }) => jobs.view(job_id),
});
