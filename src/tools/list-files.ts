import { then } from "../store/awaitable.ts";
import { normalizePrefix } from "../store/paths.ts";
import { defineTool } from "./define.ts";
import { filesListedUnder } from "./named-files.ts";
import { t } from "./schema.ts";

export const listFiles = defineTool({
  name: "list_files",
  description:
    "List stored files in path order, optionally under a path prefix. Returns {files: [{path, size, sha256, content_type, is_text, updated_at}], next_cursor?}; " +
    "pass next_cursor back as cursor to get the next page.",
  input: t.Object(
    {
      prefix: t.Optional(
        t.String({ maxLength: 1024, description: 'Only paths starting with this, e.g. "docs/"' }),
      ),
      limit: t.Optional(
        t.Integer({ minimum: 1, maximum: 1000, description: "Page size. Default 100." }),
      ),
      cursor: t.Optional(
        t.String({ maxLength: 4096, description: "next_cursor from the previous page" }),
      ),
    },
    { additionalProperties: false },
  ),
  annotations: { title: "List files", readOnlyHint: true, openWorldHint: false },
  scope: "read",
  filesNamed: (result) => filesListedUnder(result, "files"),
  // `then`: a synchronous store (SQLite) keeps this a synchronous tool (pipeline.ts).
  run: ({ prefix, limit = 100, cursor }, { files }) =>
    then(files.list(normalizePrefix(prefix), limit, cursor), (page) => ({
      files: page.files.map(({ path, size, sha256, content_type, is_text, updated_at }) => ({
        path,
        size,
        sha256,
        content_type,
        is_text,
        updated_at,
      })),
      ...(page.next_cursor ? { next_cursor: page.next_cursor } : {}),
    })),
});
