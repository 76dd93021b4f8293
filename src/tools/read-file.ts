import { QuiverError } from "../errors.ts";
import type { FileInfo } from "../store/files.ts";
import { normalizePath } from "../store/paths.ts";
import { defineTool } from "./define.ts";
import { countLinesOf, type LineWindow, readLineWindow } from "./read-window.ts";
import { t } from "./schema.ts";

/** Results stay well under Claude Code's 25k-token cap for a tool result. */
export const MAX_READ_CHARS = 64 * 1024;
const MAX_LINE_CHARS = 4000;

export const readFile = defineTool({
  name: "read_file",
  description:
    "Read a stored text file, or a window of its lines. Returns {path, content, line_start, line_end, total_lines, sha256, truncated, next_offset?}; " +
    "when truncated is true, call again with offset=next_offset to continue. Binary files are refused: download them with GET /files/<path>.",
  input: t.Object(
    {
      path: t.String({
        minLength: 1,
        maxLength: 1024,
        description: "Logical path of the file, e.g. notes/todo.md",
      }),
      offset: t.Optional(
        t.Integer({ minimum: 1, description: "First line to return (1-based). Default 1." }),
      ),
      limit: t.Optional(
        t.Integer({
          minimum: 1,
          maximum: 10000,
          description: "Maximum number of lines. Default 2000.",
        }),
      ),
    },
    { additionalProperties: false },
  ),
  annotations: { title: "Read file", readOnlyHint: true, openWorldHint: false },
  scope: "read",
  async run({ path, offset = 1, limit = 2000 }, { files }) {
    // Opened once: the row and the bytes read are the same version (see openRead).
    const { info, blob, lines } = await files.openRead(normalizePath(path));
    try {
      if (!info.is_text)
        throw new QuiverError(
          415,
          "binary_file",
          `"${info.path}" is binary (${info.content_type}, ${info.size} bytes); download it with GET /files/${encodeURI(info.path)}`,
        );
      // Counted when the file was written; files stored before that are counted here.
      const total = lines ?? (await countLinesOf(blob));
      if (offset > Math.max(total, 1))
        throw new QuiverError(
          400,
          "invalid_parameters",
          `parameters.offset: ${offset} is past the end of the file (${total} lines)`,
        );
      const window = await readLineWindow(blob, offset, limit, {
        maxLineChars: MAX_LINE_CHARS,
        maxChars: MAX_READ_CHARS,
      });
      return windowResult(info, offset, total, window);
    } finally {
      blob.close();
    }
  },
});

function windowResult(info: FileInfo, offset: number, total: number, window: LineWindow) {
  const out = window.lines;
  const truncated = window.cut;
  const lineEnd = offset + out.length - 1;
  const more = lineEnd < total;
  return {
    path: info.path,
    content: out.join("\n"),
    line_start: offset,
    line_end: lineEnd,
    total_lines: total,
    sha256: info.sha256,
    truncated: truncated || more,
    ...(more ? { next_offset: lineEnd + 1 } : {}),
  };
}
