import { defineTool } from "./define.ts";
import { filesListedUnder } from "./named-files.ts";
import { t } from "./schema.ts";

export const search = defineTool({
  name: "search",
  description:
    "Full-text search over the stored text files. Returns {results: [{path, line_start, line_end, score, snippet}], total}: " +
    "each result is a passage (a section or paragraph) with its line range — read it with read_file {path, offset: line_start}. " +
    "Ask in plain words or a question: passages matching more of the meaningful words rank first, common words (the, how, is) are ignored, " +
    "word forms match (sorting finds sort; the exact form ranks higher), and a file's path, title and section headings count more than its body. " +
    "Files about the subject rank first, at most 2 passages each on a page; total counts matching passages up to 1000 (total_is_lower_bound: true when it is only a lower bound). " +
    'Operators for exact control: "exact phrase", prefix* (2+ letters), AND / OR / NOT (upper case; with an operator, side-by-side words must all match), ' +
    "parentheses, path:docs/ to search only under a path. Accents are ignored (cafe finds café).",
  input: t.Object(
    {
      query: t.String({
        minLength: 1,
        maxLength: 10000,
        description:
          'e.g. how do I create a virtual environment, or "virtual environment" NOT conda path:docs/',
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
  filesNamed: (result) => filesListedUnder(result, "results"),
  run({ query, limit = 5, offset = 0, path_prefix }, { index, deadline }) {
    // Off the request thread, stopped (400 query_timeout) before the tool timeout's 504.
    const timeoutMs = 0.9 * (deadline - performance.now());
    return index.searchAsync(query, { limit, offset, pathPrefix: path_prefix }, timeoutMs);
  },
});
