import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { chunkText } from "../src/store/chunk.ts";
import { migrations } from "../src/store/migrations.ts";
import { MAX_QUERY_TERMS, parseQuery } from "../src/store/query.ts";
import { randomQuery, rng } from "./support/fuzz.ts";

const m = (q: string) => parseQuery(q).match;

describe("parseQuery: the query language", () => {
  test("plain words: every term quoted, all required", () => {
    expect(m("install pip")).toBe('("install" AND "pip")');
  });
  test("phrases, prefixes, inner quotes", () => {
    expect(m('"virtual environment"')).toBe('"virtual environment"');
    expect(m("config*")).toBe('"config"*');
    expect(m('"open file"*')).toBe('"open file"*');
    expect(m('say "hi')).toBe('("say" AND "hi")');
  });
  test("operators and grouping, with NOT binary", () => {
    expect(m("a OR b")).toBe('("a" OR "b")');
    expect(m("a NOT b")).toBe('("a" NOT "b")');
    expect(m("a AND NOT b")).toBe('("a" NOT "b")');
    expect(m("(a OR b) c")).toBe('(("a" OR "b") AND "c")');
  });
  test("operators where they cannot be operators are words; lower case is always a word", () => {
    expect(m("NOT a")).toBe('("NOT" AND "a")');
    expect(m("a OR")).toBe('("a" AND "OR")');
    expect(m("cats and dogs")).toBe('("cats" AND "and" AND "dogs")');
  });
  test("FTS5 syntax in user text is literal", () => {
    expect(m("title:x")).toBe('"title:x"');
    expect(m("c++")).toBe('"c++"');
    expect(m("NEAR(a b)")).toBe('("NEAR" AND ("a" AND "b"))');
    expect(m("a ^b")).toBe('("a" AND "^b")');
    expect(m("((a")).toBe('"a"');
  });
  test("path: filters are taken out of the expression and normalised", () => {
    expect(parseQuery("path:docs/ install")).toMatchObject({
      match: '"install"',
      paths: ["docs/"],
    });
    expect(parseQuery('path:"my docs/" x').paths).toEqual(["my docs/"]);
    expect(() => parseQuery("path:../x y")).toThrow();
  });
  test("nothing searchable, or too much, is a 400", () => {
    for (const q of ["", "   ", "***", "( )", '""', "-", "path:docs/"])
      expect(() => parseQuery(q), q).toThrow(
        expect.objectContaining({ status: 400, code: "invalid_query" }),
      );
    const many = Array.from({ length: MAX_QUERY_TERMS + 1 }, (_, i) => `w${i}`).join(" ");
    expect(() => parseQuery(many)).toThrow(expect.objectContaining({ status: 400 }));
  });
});

describe("parseQuery fuzz: every output is a valid FTS5 expression", () => {
  const db = new Database(":memory:");
  for (const m of migrations) db.run(m); // the real schema, with our tokenizer
  db.run(
    "INSERT INTO passages_fts (rowid, text) VALUES (1, 'word x café 東\u200b京 NEAR and or not')",
  );
  const match = db.prepare("SELECT count(*) AS n FROM passages_fts WHERE passages_fts MATCH ?");

  test("5,000 random strings: a parsed query runs, or parseQuery says 400", () => {
    const next = rng(1234);
    let ran = 0;
    for (let i = 0; i < 5000; i++) {
      const q = randomQuery(next);
      let parsed: ReturnType<typeof parseQuery>;
      try {
        parsed = parseQuery(q);
      } catch (err) {
        expect((err as { status?: number }).status, JSON.stringify(q)).toBe(400);
        continue;
      }
      try {
        match.get(parsed.match);
        ran++;
      } catch (err) {
        throw new Error(
          `FTS5 rejected ${JSON.stringify(parsed.match)} from ${JSON.stringify(q)}: ${(err as Error).message}`,
        );
      }
    }
    expect(ran).toBeGreaterThan(3000); // most strings are searches, not rejections
  });
});

describe("chunkText: passages with line ranges", () => {
  test("Markdown headings start passages; ranges skip blank edges", () => {
    const text = "intro line\n\n# One\nalpha\n\n## Two\nbeta\n";
    expect(chunkText(text)).toEqual([
      { line_start: 1, line_end: 1, text: "intro line" },
      { line_start: 3, line_end: 4, text: "# One\nalpha" },
      { line_start: 6, line_end: 7, text: "## Two\nbeta" },
    ]);
  });
  test("a # inside a code fence is not a heading", () => {
    const ps = chunkText("# T\n```\n# comment\n```\n");
    expect(ps).toHaveLength(1);
  });
  test("reStructuredText underlined and overlined titles start passages", () => {
    const text = "=====\nTitle\n=====\n\nbody one\n\nSection\n-------\nbody two\n";
    const ps = chunkText(text);
    expect(ps.map((p) => [p.line_start, p.line_end])).toEqual([
      [1, 5],
      [7, 9],
    ]);
  });
  test("long text is bounded; every line is covered once, in order", () => {
    const lines = Array.from({ length: 1000 }, (_, i) =>
      i % 7 === 6 ? "" : `line ${i + 1} ${"lorem ipsum ".repeat(8)}`,
    );
    const ps = chunkText(lines.join("\n"));
    expect(ps.length).toBeGreaterThan(10);
    let expectNext = 1;
    for (const p of ps) {
      expect(p.text.length).toBeLessThanOrEqual(3000);
      expect(p.line_start).toBeGreaterThanOrEqual(expectNext);
      expect(p.text.split("\n")).toEqual(lines.slice(p.line_start - 1, p.line_end));
      expectNext = p.line_end + 1;
    }
    expect(ps[ps.length - 1]!.line_end).toBe(1000);
  });
  test("one giant line is cut into pieces that keep its line number", () => {
    const ps = chunkText(`a\n${"x".repeat(10_000)}\nb`);
    expect(ps.filter((p) => p.line_start === 2).length).toBe(4);
    expect(ps[ps.length - 1]).toEqual({ line_start: 3, line_end: 3, text: "b" });
  });
});
