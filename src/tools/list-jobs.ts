import { defineTool } from "./define.ts";
import { t } from "./schema.ts";

export const listJobs = defineTool({
  name: "list_jobs",
  description:
    "List background jobs, newest first, optionally only those with a given status. Returns {jobs: [job_status objects], next_cursor?}; " +
    "pass next_cursor back as cursor for the next page. Finished jobs are kept for 7 days by default.",
  input: t.Object(
    {
      status: t.Optional(
        t.Union(
          ["enqueued", "running", "succeeded", "failed", "canceled"].map((s) => t.Literal(s)),
          { description: "Only jobs in this state" },
        ),
      ),
      limit: t.Optional(
        t.Integer({ minimum: 1, maximum: 100, description: "Page size. Default 20." }),
      ),
      cursor: t.Optional(
        t.String({ maxLength: 256, description: "next_cursor from the previous page" }),
      ),
    },
    { additionalProperties: false },
  ),
  annotations: { title: "List jobs", readOnlyHint: true, openWorldHint: false },
  scope: "read",
  run: ({ status, limit = 20, cursor }, { jobs }) =>
    jobs.list({ status: status as never, limit, cursor }),
});
