import { badRequest } from "../errors.ts";
import { normalizePrefix } from "./paths.ts";
import { hasTokens, segmentText } from "./search-text.ts";

/**
 * The user-facing query language, parsed into an FTS5 MATCH expression that we build
 * ourselves — user text never reaches MATCH unquoted (raw `c++`, `"best`, `(` or `AND`
 * are FTS5 syntax errors, `title:x` a column filter).
 *
 *   words          plain words (no operator, no parentheses anywhere): ranked by how many
 *                  of the meaningful ones a passage matches and how well (search.ts);
 *                  with an operator anywhere, words side by side must all match
 *   "a phrase"     consecutive words; an unterminated quote runs to the end
 *   prefix*        words starting with prefix (also "a phrase"*)
 *   AND OR NOT ()  upper-case operators and grouping; NOT is binary: `a NOT b`
 *   path:docs/     only files whose path starts with docs/ (also path:"a b/")
 *
 * Anything else is literal text: an operator where it cannot be one (`NOT a`, `a OR`)
 * is a word, unbalanced parentheses are ignored, punctuation separates words as it does
 * in the indexed text. The result is always a valid expression, or a 400.
 */
export interface ParsedQuery {
  /** FTS5 MATCH expression, every term required unless an operator says otherwise. */
  match: string;
  /**
   * The terms of a query without operators or parentheses, in order: such a query is
   * ranked by how many of them match rather than requiring all (SearchIndex).
   */
  words?: QueryWord[];
  /** Path prefixes from `path:` terms; a result must start with every one. */
  paths: string[];
  /**
   * The same expression as a tree, for engines other than FTS5 (PostgreSQL builds its
   * tsquery from it): `match` is this tree rendered.
   */
  tree: QueryNode;
}

/** A parsed query: terms as typed (NFC, control characters blanked), operators as nodes. */
export type QueryNode =
  | { k: "term"; text: string; prefix: boolean; quoted: boolean }
  | { k: "and" | "or"; parts: QueryNode[] }
  | { k: "not"; left: QueryNode; right: QueryNode };

export interface QueryWord {
  /** The term as typed (a phrase's inner text). */
  text: string;
  /** The same term as an FTS5 string, quoted (and with `*` when a prefix). */
  fts: string;
  prefix: boolean;
  quoted: boolean;
}

export const MAX_QUERY_TERMS = 64;
/**
 * A prefix term costs every indexed word it starts: `t*` is thousands of words. Each
 * prefix needs this many letters or digits, and a query may hold only so many of them.
 */
export const MIN_PREFIX_CHARS = 2;
export const MAX_PREFIX_TERMS = 8;
/** FTS5's parser has a bounded stack: deeper grouping is flattened. */
const MAX_DEPTH = 10;

type Tok =
  | { k: "term"; text: string; prefix: boolean; quoted: boolean }
  | { k: "op"; op: "AND" | "OR" | "NOT" }
  | { k: "(" }
  | { k: ")" };

export function parseQuery(query: string): ParsedQuery {
  const paths: string[] = [];
  let toks = lex(query, paths);
  toks = balanceParens(toks);
  toks = dropEmptyGroups(toks);
  toks = literalizeOperators(toks);
  const terms = toks.filter((t) => t.k === "term").length;
  if (terms === 0)
    throw badRequest(
      "invalid_query",
      paths.length
        ? "query needs at least one search term besides path:"
        : "query has no searchable words",
    );
  if (terms > MAX_QUERY_TERMS)
    throw badRequest("invalid_query", `query has ${terms} terms; the limit is ${MAX_QUERY_TERMS}`);
  checkPrefixes(toks);
  const tree = new Parser(toks).expr();
  const match = render(tree);
  if (!toks.every((t) => t.k === "term")) return { match, paths, tree };
  const words = toks.map((t) => {
    const term = t as Extract<Tok, { k: "term" }>;
    return {
      text: term.text,
      fts: quote(term.text) + (term.prefix ? "*" : ""),
      prefix: term.prefix,
      quoted: term.quoted,
    };
  });
  return { match, paths, words, tree };
}

/** The FTS5 MATCH expression of a tree: every node parenthesised, every term quoted. */
function render(node: QueryNode): string {
  if (node.k === "term") return quote(node.text) + (node.prefix ? "*" : "");
  if (node.k === "not") return `(${render(node.left)} NOT ${render(node.right)})`;
  const parts = node.parts.map(render);
  return `(${parts.join(node.k === "and" ? " AND " : " OR ")})`;
}

function checkPrefixes(toks: Tok[]): void {
  const prefixes = toks.filter((t) => t.k === "term" && t.prefix) as { text: string }[];
  if (prefixes.length > MAX_PREFIX_TERMS)
    throw badRequest(
      "invalid_query",
      `query has ${prefixes.length} prefix* terms; the limit is ${MAX_PREFIX_TERMS}`,
    );
  for (const p of prefixes) {
    const chars = p.text.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
    if (chars < MIN_PREFIX_CHARS)
      throw badRequest(
        "invalid_query",
        `prefix "${p.text}*" is too short: a prefix needs at least ${MIN_PREFIX_CHARS} letters or digits`,
      );
  }
}

function lex(q: string, paths: string[]): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = q.length;
  const isSpace = (c: string) => /\s/.test(c);
  const readQuoted = (from: number): [string, number] => {
    const close = q.indexOf('"', from);
    return close === -1 ? [q.slice(from), n] : [q.slice(from, close), close + 1];
  };
  while (i < n) {
    const c = q[i]!;
    if (isSpace(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      out.push({ k: c });
      i++;
    } else if (c === '"') {
      const [text, next] = readQuoted(i + 1);
      i = next;
      const prefix = q[i] === "*";
      if (prefix) i++;
      pushTerm(out, text, prefix, true);
    } else {
      let j = i;
      while (j < n && !isSpace(q[j]!) && q[j] !== "(" && q[j] !== ")" && q[j] !== '"') j++;
      const word = q.slice(i, j);
      i = j;
      if (/^path:/i.test(word)) {
        let value = word.slice(5);
        if (value === "" && q[i] === '"') [value, i] = readQuoted(i + 1);
        if (value !== "") {
          paths.push(normalizePrefix(value, "path:"));
          continue;
        }
      }
      if (word === "AND" || word === "OR" || word === "NOT") out.push({ k: "op", op: word });
      else if (word.endsWith("*")) pushTerm(out, word.replace(/\*+$/, ""), true, false);
      else pushTerm(out, word, false, false);
    }
  }
  return out;
}

/** Terms FTS5 would tokenize to nothing ("***", "-") are dropped, not sent as "". */
function pushTerm(out: Tok[], text: string, prefix: boolean, quoted: boolean): void {
  if (hasTokens(text)) out.push({ k: "term", text, prefix, quoted });
}

/** Keeps matched parentheses (up to MAX_DEPTH deep); drops the rest. */
function balanceParens(toks: Tok[]): Tok[] {
  const keep = new Array<boolean>(toks.length).fill(true);
  const open: number[] = [];
  toks.forEach((t, i) => {
    if (t.k === "(") {
      open.push(i);
      keep[i] = false;
    } else if (t.k === ")") {
      const o = open.pop();
      keep[i] = o !== undefined && open.length < MAX_DEPTH;
      if (o !== undefined) keep[o] = keep[i]!;
    }
  });
  return toks.filter((_, i) => keep[i]);
}

/** An operator needs an operand on each side; otherwise it is the word itself. */
function literalizeOperators(toks: Tok[]): Tok[] {
  const out = toks.slice();
  for (let i = 0; i < out.length; i++) {
    const t = out[i]!;
    if (t.k !== "op") continue;
    const after = out[i + 1];
    // "a AND NOT b" means what FTS5 spells "a NOT b".
    if (t.op === "AND" && after?.k === "op" && after.op === "NOT") {
      out.splice(i, 1);
      i--;
      continue;
    }
    const prev = out[i - 1];
    const next = out[i + 1];
    const leftOk = prev !== undefined && (prev.k === "term" || prev.k === ")");
    const rightOk = next !== undefined && (next.k === "term" || next.k === "(");
    if (!leftOk || !rightOk) out[i] = { k: "term", text: t.op, prefix: false, quoted: false };
  }
  return out;
}

/** `()` and `(())` carry nothing: dropped before operators look for operands. */
function dropEmptyGroups(toks: Tok[]): Tok[] {
  let cur = toks;
  for (;;) {
    const next: Tok[] = [];
    for (let i = 0; i < cur.length; i++) {
      if (cur[i]!.k === "(" && cur[i + 1]?.k === ")") i++;
      else next.push(cur[i]!);
    }
    if (next.length === cur.length) return next;
    cur = next;
  }
}

/**
 * or := and (OR and)* ; and := not (AND? not)* ; not := primary (NOT primary)* ;
 * primary := term | "(" or ")". Every node is rendered parenthesised, so FTS5's own
 * precedence never matters.
 */
class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}

  expr(): QueryNode {
    const parts = [this.and()];
    while (this.isOp("OR")) {
      this.i++;
      parts.push(this.and());
    }
    return parts.length === 1 ? parts[0]! : { k: "or", parts };
  }

  private and(): QueryNode {
    const parts = [this.not()];
    for (;;) {
      if (this.isOp("AND")) this.i++;
      else if (!this.startsOperand()) break;
      parts.push(this.not());
    }
    return parts.length === 1 ? parts[0]! : { k: "and", parts };
  }

  private not(): QueryNode {
    let left = this.primary();
    while (this.isOp("NOT")) {
      this.i++;
      left = { k: "not", left, right: this.primary() };
    }
    return left;
  }

  private primary(): QueryNode {
    const t = this.toks[this.i++];
    if (t?.k === "term") return { k: "term", text: t.text, prefix: t.prefix, quoted: t.quoted };
    if (t?.k === "(") {
      const inner = this.expr();
      this.i++; // the matching ")", guaranteed by balanceParens
      return inner;
    }
    // Unreachable after the passes above; fail as a 400, never as an FTS5 error.
    throw badRequest("invalid_query", "query could not be parsed");
  }

  private isOp(op: string): boolean {
    const t = this.toks[this.i];
    return t?.k === "op" && t.op === op;
  }

  private startsOperand(): boolean {
    const t = this.toks[this.i];
    return t !== undefined && (t.k === "term" || t.k === "(");
  }
}

function quote(text: string): string {
  // Control characters (NUL included) are separators in the index anyway; FTS5's
  // expression parser must never see them.
  const clean = text.normalize("NFC").replace(/[\u0000-\u001f\u007f]/g, " ");
  return `"${segmentText(clean).replaceAll('"', '""')}"`;
}
