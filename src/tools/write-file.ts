import { badRequest } from "../errors.ts";
import { normalizePath } from "../store/paths.ts";
import { defineTool } from "./define.ts";
import { t } from "./schema.ts";

export const writeFile = defineTool({
  name: "write_file",
  description:
    'Create or replace a stored file. content is UTF-8 text, or base64 with encoding="base64" for binary data. ' +
    "Text files become searchable at once. Returns {path, size, sha256, created}; created is false when an existing file was replaced.",
  input: t.Object(
    {
      path: t.String({
        minLength: 1,
        maxLength: 1024,
        description: "Logical path, e.g. notes/todo.md (no leading /, no ..)",
      }),
      content: t.String({ description: "The file's full new content" }),
      encoding: t.Optional(
        t.Union([t.Literal("utf8"), t.Literal("base64")], {
          description: "How content is encoded. Default utf8.",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  annotations: {
    title: "Write file",
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },
  scope: "write",
  async run({ path, content, encoding = "utf8" }, { files, config, signal }) {
    const logical = normalizePath(path);
    let bytes: Uint8Array;
    if (encoding === "base64") {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(content.replace(/\s+/g, "")))
        throw badRequest("invalid_parameters", "parameters.content: not valid base64");
      bytes = Buffer.from(content, "base64");
    } else {
      bytes = new TextEncoder().encode(content);
    }
    const { file, created } = await files.put(logical, [bytes], config.maxBodyBytes, signal);
    return { path: file.path, size: file.size, sha256: file.sha256, created };
  },
});
