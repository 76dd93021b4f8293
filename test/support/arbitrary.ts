/**
 * Random tool parameters derived from a tool's JSON Schema — mostly valid, some mutated
 * (wrong types, missing or extra fields, out-of-range numbers, hostile strings) — for
 * property tests. Deterministic for a seed, so a failure reproduces.
 */
type Schema = Record<string, any>;

const STRINGS = [
  "",
  " ",
  "a",
  "notes/a.md",
  "../etc/passwd",
  "/abs",
  "a//b",
  "C:\\x",
  "%2e%2e/x",
  "\u0000",
  "\u202e",
  "😀",
  "東京/ファイル.txt",
  "café",
  "cafe\u0301",
  '"',
  "*",
  "NEAR(",
  "AND",
  "x".repeat(2000),
  `${"a/".repeat(300)}b`,
  "\ud800",
  "job_00000000000000000000",
  "bm90IGJhc2U2NA==",
];

export function arbitraryParams(schema: Schema, next: () => number): unknown {
  const r = next();
  if (r < 0.05) return pick(next, [null, [], "string", 42, true, { nested: { deep: [1, 2, 3] } }]);
  const value = fromSchema(schema, next, 0) as Record<string, unknown>;
  if (r < 0.15 && schema.required?.length) delete value[pick(next, schema.required as string[])];
  else if (r < 0.25)
    value[pick(next, ["extra", "__proto__", "constructor", "toString"])] = pick(next, [
      1,
      "x",
      null,
    ]);
  else if (r < 0.4) {
    const keys = Object.keys(schema.properties ?? {});
    if (keys.length)
      value[pick(next, keys)] = pick(next, [
        null,
        -1,
        0,
        1.5,
        1e300,
        "",
        "12",
        [],
        {},
        true,
        "x".repeat(100_000),
      ]);
  }
  return value;
}

function fromSchema(s: Schema, next: () => number, depth: number): unknown {
  if (s.anyOf) return fromSchema(pick(next, s.anyOf), next, depth);
  if ("const" in s) return s.const;
  switch (s.type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, sub] of Object.entries(s.properties ?? {})) {
        if (s.required?.includes(k) || next() < 0.5)
          out[k] = fromSchema(sub as Schema, next, depth + 1);
      }
      return out;
    }
    case "string":
      return next() < 0.7 ? pick(next, STRINGS.slice(0, 20)) : randomString(next);
    case "integer": {
      const min = s.minimum ?? -5;
      const max = s.maximum ?? min + 100;
      const v = min + Math.floor(next() * (max - min + 1));
      return next() < 0.1 ? pick(next, [min, max, min - 1, max + 1]) : v;
    }
    case "number":
      return next() * 100;
    case "boolean":
      return next() < 0.5;
    case "array":
      return depth > 3
        ? []
        : Array.from({ length: Math.floor(next() * 3) }, () =>
            fromSchema(s.items ?? {}, next, depth + 1),
          );
    default:
      return null;
  }
}

function randomString(next: () => number): string {
  let s = "";
  const n = Math.floor(next() * 20);
  for (let i = 0; i < n; i++)
    s += String.fromCodePoint(Math.floor(next() * (next() < 0.8 ? 0x80 : 0x2ffff)));
  return s;
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}
