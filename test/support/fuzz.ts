/** Random query strings for the search fuzz tests: FTS5 syntax, operators, unicode, NUL, lone surrogates, 10 kB. */
/** Deterministic PRNG so a failure reproduces (mulberry32). */
export function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  '"',
  "(",
  ")",
  "*",
  "^",
  ":",
  "-",
  "+",
  " ",
  "  ",
  "AND",
  "OR",
  "NOT",
  "NEAR",
  "NEAR(",
  "path:",
  "path:docs/",
  "col:",
  "{",
  "}",
  ",",
  "\\",
  "'",
  "café",
  "東京",
  "😀",
  "\u0000",
  "\u200b",
  "\u0301",
  "\ud800",
  "word",
  "x",
  "1",
  "\n",
  "\t",
  "ß",
  "Ωμέγα",
  "हिन्दी",
  "%",
  "'\"'",
  '""',
  '*"',
  "AND NOT",
];

export function randomQuery(next: () => number): string {
  const r = next();
  if (r < 0.02) return "";
  if (r < 0.04) return "x".repeat(10_000);
  if (r < 0.06)
    return Array.from({ length: 2000 }, () => PIECES[Math.floor(next() * PIECES.length)])
      .join("")
      .slice(0, 10_000);
  const n = 1 + Math.floor(next() * 12);
  let s = "";
  for (let i = 0; i < n; i++) {
    if (next() < 0.2) s += String.fromCodePoint(Math.floor(next() * 0x3000));
    else s += PIECES[Math.floor(next() * PIECES.length)]!;
    if (next() < 0.5) s += " ";
  }
  return s;
}
