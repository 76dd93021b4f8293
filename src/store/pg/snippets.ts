import type { ParsedQuery } from "../query.ts";
import { SNIPPET_CLOSE, SNIPPET_OPEN } from "../search.ts";
import { planPlain } from "../search-plan.ts";
import { snippetOf, wordMatcher } from "../search-rank.ts";

/**
 * Snippets of plain-word queries made as SQLite's ranked path makes them (search-rank.ts's
 * snippetOf): the window holding the most query words, each word marked in any form of it.
 * ts_headline would parse the passage with PostgreSQL's own parser, which reads `S/390` or
 * `I/O-Layer` as one token and so never marks the `390` or `layer` that matched. Undefined
 * for a query with operators, phrases or prefixes: ts_headline marks those.
 */
export function plainSnippets(parsed: ParsedQuery): ((text: string) => string) | undefined {
  if (!parsed.words || parsed.words.some((w) => w.quoted || w.prefix)) return undefined;
  const words = planPlain(parsed.words).words;
  if (words.length === 0) return undefined;
  const { candidate, matches } = wordMatcher(words);
  return (text) => snippetOf(text, candidate, matches, SNIPPET_OPEN, SNIPPET_CLOSE);
}
