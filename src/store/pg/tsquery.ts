import type { QueryNode } from "../query.ts";

/** The text search configuration of documents and queries alike (stemming, stopwords). */
export const TS_CONFIG = "english";

/** quiver's word characters (search-terms.ts): everything else separates words. */
const WORD = /[\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]+/gu;

/**
 * Text as quiver's tokenizer sees it: its words, separated by spaces. PostgreSQL's own
 * parser reads `S/390` or `I/O-Layer` as one file-path token and `3.8.1` as a version,
 * so a query for `390` or `i o` would miss them; both documents and queries go through
 * this, so they split alike — as they do on SQLite.
 */
export function searchWords(text: string): string {
  return (text.match(WORD) ?? []).join(" ");
}

/**
 * A tsquery expression in SQL for a parsed query (query.ts), with every piece of user text
 * a bound parameter: plainto_tsquery and phraseto_tsquery never read operators in their
 * input, and a prefix's last word goes to to_tsquery with only letters and digits in it,
 * so the `:*` (and every operator) is ours. `params` receives the values; placeholders are
 * numbered after the ones already in it.
 */
export function tsquerySql(node: QueryNode, params: unknown[]): string {
  const bind = (v: unknown) => {
    params.push(v);
    return `$${params.length}::text`;
  };
  const cfg = `'${TS_CONFIG}'`;
  switch (node.k) {
    case "term": {
      if (!node.prefix)
        return node.quoted
          ? `phraseto_tsquery(${cfg}, ${bind(searchWords(node.text))})`
          : `plainto_tsquery(${cfg}, ${bind(searchWords(node.text))})`;
      const words = node.text.match(WORD) ?? [];
      const last = words.pop() ?? "";
      const start = words.length
        ? `${node.quoted ? "phraseto_tsquery" : "plainto_tsquery"}(${cfg}, ${bind(words.join(" "))})`
        : undefined;
      const tail = `to_tsquery(${cfg}, ${bind(last)} || ':*')`;
      if (!start) return tail;
      return node.quoted ? `(${start} <-> ${tail})` : `(${start} && ${tail})`;
    }
    case "and":
    case "or":
      return `(${node.parts.map((p) => tsquerySql(p, params)).join(node.k === "and" ? " && " : " || ")})`;
    case "not":
      return `(${tsquerySql(node.left, params)} && !! ${tsquerySql(node.right, params)})`;
  }
}

/** A path as words for the A-weighted field: `docs/guide/install.md` → `docs guide install md`. */
export const pathWords = searchWords;
