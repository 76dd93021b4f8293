import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Glob } from "bun";

// The README is what a new user pastes into a fresh shell, and the error table is what
// a client author codes against: both are checked against the source here.
const ROOT = join(import.meta.dir, "..");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");

/** Fenced code blocks with their language tag ("" for plain output blocks). */
const blocks = [...readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({
  lang: m[1]!,
  text: m[2]!,
  at: m.index!,
}));
const shell = blocks.filter((b) => b.lang === "sh");

describe("the README's error table", () => {
  /** status → codes, from the rows of the table under "| status | code | when |". */
  const table = new Map<string, number>();
  const start = readme.indexOf("| status | code | when |");
  for (const row of readme.slice(start).split("\n\n")[0]!.split("\n").slice(2))
    for (const code of row.split("|")[2]!.matchAll(/`([a-z_]+)`/g))
      table.set(code[1]!, Number(row.split("|")[1]));

  /** Every error code the source can send, with its status (0: decided elsewhere). */
  const sent = new Map<string, number>();
  const patterns: [RegExp, (m: RegExpMatchArray) => number][] = [
    [/\(\s*([45]\d\d),\s*"([a-z][a-z_]+)"/g, (m) => Number(m[1])], // new QuiverError(404, "x", …)
    [/\bbadRequest\(\s*"([a-z][a-z_]+)"/g, () => 400],
    [/\bnotFound\(\s*"([a-z][a-z_]+)"/g, () => 404],
    [/\berrorBody\(\s*"([a-z][a-z_]+)"/g, () => 0], // its status is set elsewhere
    [/\bcode: "([a-z][a-z_]+)", message/g, () => 500],
  ];
  for (const file of new Glob("src/**/*.ts").scanSync(ROOT)) {
    const text = readFileSync(join(ROOT, file), "utf8");
    for (const [pattern, status] of patterns)
      for (const m of text.matchAll(pattern)) sent.set(m[m.length - 1]!, status(m));
  }

  test("the source sends codes the scan recognises (the scan itself works)", () => {
    for (const code of ["invalid_parameters", "unknown_tool", "internal_error", "rate_limited"])
      expect(sent.has(code)).toBe(true);
    expect(sent.size).toBeGreaterThan(20);
  });

  test("every code the server can send is in the table, with its status", () => {
    const missing = [...sent].filter(
      ([code, status]) => !table.has(code) || (status !== 0 && table.get(code) !== status),
    );
    expect(missing.map(([code, status]) => `${status} ${code}`)).toEqual([]);
  });
});

describe("the README pasted into a fresh shell", () => {
  test("the quick start sets TOKEN once; every later snippet sends $TOKEN", () => {
    const assignments = shell.flatMap((b) => b.text.match(/^\s*(export )?TOKEN=.*$/gm) ?? []);
    expect(assignments).toEqual(['export TOKEN="$(cat quiver-data/admin.token)"']);
    const quickStart = readme.indexOf("## Quick start");
    expect(readme.indexOf('export TOKEN="$(cat quiver-data/admin.token)"')).toBeGreaterThan(
      quickStart,
    );
    const bearers = [...readme.matchAll(/Bearer (\$\{?\w+\}?|\{[^}]*\})/g)].map((m) => m[1]);
    expect(new Set(bearers)).toEqual(new Set(["$TOKEN", "{os.environ['TOKEN']}"]));
  });

  test("what is pasted is ASCII: no typographic placeholders such as qv_… in commands", () => {
    const pasted = blocks.filter((b) => ["sh", "python", "yaml", "ts"].includes(b.lang));
    expect(pasted.length).toBeGreaterThan(10);
    for (const b of pasted) expect(b.text.match(/[^\x00-\x7f]+/g) ?? []).toEqual([]);
    expect(readme).not.toContain("qv_…");
  });

  test("the binary is put on PATH before any snippet runs it as quiver", () => {
    const install = readme.indexOf("sudo install -m 0755 dist/quiver /usr/local/bin/quiver");
    expect(install).toBeGreaterThan(0);
    const uses = shell.filter((b) =>
      /(^|[\s/])quiver (mcp|token|serve|index|search)\b/m.test(b.text),
    );
    expect(uses.length).toBeGreaterThan(3);
    for (const b of uses) expect(b.at).toBeGreaterThan(install);
  });

  test("nothing refers to a path outside the repository", () => {
    expect(readme).not.toMatch(/\.\.\/shared|\/work\//);
    for (const link of readme.matchAll(/\]\(([^)#]+)\)/g))
      if (!/^https?:/.test(link[1]!)) expect(link[1]).not.toStartWith("../");
  });

  test("the ingest rate is given once, in Performance", () => {
    const performance = readme.indexOf("## Performance");
    const prose = readme.replace(/^```\w*\n[\s\S]*?^```$/gm, (b) => " ".repeat(b.length));
    const rates = [...prose.matchAll(/\d[\d.,]*(–\d[\d.,]*)? MB\/s/g)];
    expect(rates).toHaveLength(1);
    expect(rates[0]!.index).toBeGreaterThan(performance);
  });
});
