import { then } from "../store/awaitable.ts";
import { normalizePath } from "../store/paths.ts";
import { defineTool } from "./define.ts";
import { t } from "./schema.ts";

export const deleteFile = defineTool({
  name: "delete_file",
  description:
    "Delete a stored file and remove it from search. Returns {path, sha256} of what was deleted; a missing file is an error.",
  input: t.Object(
    {
      path: t.String({
        minLength: 1,
        maxLength: 1024,
        description: "Logical path of the file to delete",
      }),
    },
    { additionalProperties: false },
  ),
  annotations: {
    title: "Delete file",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: false,
  },
  scope: "write",
  // `then`: a synchronous store (SQLite) keeps this a synchronous tool (pipeline.ts).
  // The signal as a getter: reading ctx.signal makes the call's cancellation, which only
  // an asynchronous store needs (and reads).
  run: ({ path }, ctx) =>
    then(
      ctx.files.delete(normalizePath(path), {
        get signal() {
          return ctx.signal;
        },
      }),
      (gone) => ({ path: gone.path, sha256: gone.sha256 }),
    ),
});
