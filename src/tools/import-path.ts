import { resolveImportPath } from "../importer/roots.ts";
import { then } from "../store/awaitable.ts";
import { normalizePrefix } from "../store/paths.ts";
import { defineTool } from "./define.ts";
import { t } from "./schema.ts";

export const importPath = defineTool({
  name: "import_path",
  description:
    "Import a directory from the server's disk into the store (recursively; text files become searchable), as a background job. " +
    "Allowed only under the directories the operator listed with --import-root. Unchanged files are skipped by content hash; hidden files, " +
    '.git, node_modules and symlinks are not imported. Returns at once {job_id, status: "enqueued"}; poll job_status with job_id. ' +
    "Canceling keeps the files already imported (each file is all-or-nothing); re-running the import finishes the rest.",
  input: t.Object(
    {
      path: t.String({
        minLength: 1,
        maxLength: 4096,
        description: "Directory on the server: absolute, or relative to the first import root",
      }),
      prefix: t.Optional(
        t.String({
          maxLength: 1024,
          description: 'Logical path prefix for the imported files, e.g. "docs/"',
        }),
      ),
      sync: t.Optional(
        t.Boolean({
          description:
            "Also delete stored files under prefix that are no longer in the directory. Default false.",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  annotations: {
    title: "Import directory",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  scope: "write",
  run({ path, prefix, sync }, { config, jobs, caller }) {
    const root = resolveImportPath(path, config.importRoots);
    const logicalPrefix = prefix
      ? normalizePrefix(prefix.endsWith("/") ? prefix : `${prefix}/`, "prefix")
      : undefined;
    const enqueued = jobs.enqueue(
      "import",
      {
        path: root,
        ...(logicalPrefix ? { prefix: logicalPrefix } : {}),
        ...(sync ? { sync: true } : {}),
      },
      { createdBy: caller.name },
    );
    return then(enqueued, (job) => ({ job_id: job.job_id, status: job.status }));
  },
});
