import { defineTool } from "./define.ts";
import { t } from "./schema.ts";

export const search = defineTool({
  name: "search",
  description:
    "Full-text search over the stored text files, ranked by BM25. Returns {results: [{path, line_start, line_end, score, snippet}], total}: " +
    "each result is a passage (a section or paragraph) of a file with its line range — read it with read_file {path, offset: line_start}. " +
    "score is positive, higher is better; in snippet the matched words are marked «like this». " +
    'Query syntax: plain words (all must match), "exact phrase", prefix*, AND / OR / NOT (upper case; NOT is "a NOT b"), parentheses, ' +
    "path:docs/ to search only under a path. Accents are ignored (cafe finds café); other punctuation is treated as a space.",
  input: t.Object(
    {
      query: t.String({
        minLength: 1,
        maxLength: 10000,
        description: 'e.g. install "virtual environment" NOT conda path:docs/',
      }),
      limit: t.Optional(
        t.Integer({ minimum: 1, maximum: 50, description: "Results per page. Default 5." }),
      ),
      offset: t.Optional(
        t.Integer({
          minimum: 0,
          maximum: 10000,
          description: "Results to skip, for the next page. Default 0.",
        }),
      ),
      path_prefix: t.Optional(
        t.String({
          maxLength: 1024,
          description: 'Only files whose path starts with this, e.g. "docs/"',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  annotations: { title: "Search files", readOnlyHint: true, openWorldHint: false },
  scope: "read",
  run({ query, limit = 5, offset = 0, path_prefix }, { index }) {
    return index.search(query, { limit, offset, pathPrefix: path_prefix });
  },
});
