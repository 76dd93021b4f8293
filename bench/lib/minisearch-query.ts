import type { Query } from "minisearch";

/**
 * quiver's query language (bench/lib/queries.ts uses: words, "phrases", prefix*, AND, OR,
 * NOT, parentheses, path:) as a MiniSearch query tree, so both engines answer the same
 * questions. MiniSearch has no phrases: a phrase becomes all of its words (a looser
 * question, which can only make MiniSearch's answer bigger, never its work smaller).
 */
export interface Translated {
  query: Query;
  /** Only documents whose path starts with this (from `path:`). */
  pathPrefix?: string;
}

type Token =
  | { kind: "word" | "phrase"; text: string }
  | { kind: "op"; text: "AND" | "OR" | "NOT" | "(" | ")" };

function tokenize(input: string): { tokens: Token[]; pathPrefix?: string } {
  const tokens: Token[] = [];
  let pathPrefix: string | undefined;
  const re = /"([^"]*)"|(\()|(\))|(\S+)/g;
  for (let m: RegExpExecArray | null; (m = re.exec(input)); ) {
    if (m[1] !== undefined) tokens.push({ kind: "phrase", text: m[1] });
    else if (m[2] || m[3]) tokens.push({ kind: "op", text: (m[2] ?? m[3]) as "(" | ")" });
    else {
      let word = m[4]!;
      // Parentheses glued to a word: "(pickle" / "marshal)".
      while (word.startsWith("(")) {
        tokens.push({ kind: "op", text: "(" });
        word = word.slice(1);
      }
      let closing = 0;
      while (word.endsWith(")")) {
        closing++;
        word = word.slice(0, -1);
      }
      if (word === "AND" || word === "OR" || word === "NOT")
        tokens.push({ kind: "op", text: word });
      else if (word.startsWith("path:")) pathPrefix = word.slice(5);
      else if (word) tokens.push({ kind: "word", text: word });
      for (; closing > 0; closing--) tokens.push({ kind: "op", text: ")" });
    }
  }
  return { tokens, pathPrefix };
}

export function toMiniSearch(input: string): Translated {
  const { tokens, pathPrefix } = tokenize(input);
  let i = 0;
  const peek = () => tokens[i];
  const isOp = (text: string) => peek()?.kind === "op" && peek()!.text === text;

  const primary = (): Query | undefined => {
    const t = tokens[i++];
    if (!t) return undefined;
    if (t.kind === "op" && t.text === "(") {
      const inner = or();
      if (isOp(")")) i++;
      return inner;
    }
    if (t.kind === "phrase") return { queries: [t.text], combineWith: "AND" };
    if (t.kind === "word") {
      const prefix = t.text.endsWith("*");
      return { queries: [prefix ? t.text.slice(0, -1) : t.text], combineWith: "AND", prefix };
    }
    return primary(); // a stray operator is skipped, as quiver treats it as text
  };
  const and = (): Query | undefined => {
    const positive: Query[] = [];
    const negative: Query[] = [];
    while (peek() && !isOp(")") && !isOp("OR")) {
      if (isOp("AND")) {
        i++;
        continue;
      }
      if (isOp("NOT")) {
        i++;
        const q = primary();
        if (q) negative.push(q);
        continue;
      }
      const q = primary();
      if (q) positive.push(q);
    }
    if (!positive.length) return undefined;
    const all: Query =
      positive.length === 1 ? positive[0]! : { combineWith: "AND", queries: positive };
    return negative.length ? { combineWith: "AND_NOT", queries: [all, ...negative] } : all;
  };
  const or = (): Query | undefined => {
    const parts: Query[] = [];
    for (;;) {
      const q = and();
      if (q) parts.push(q);
      if (!isOp("OR")) break;
      i++;
    }
    if (parts.length <= 1) return parts[0];
    return { combineWith: "OR", queries: parts };
  };
  return { query: or() ?? { queries: [] }, pathPrefix };
}
