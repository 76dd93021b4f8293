/**
 * Tool schemas as clients should see them. Elysia's `t.Integer`/`t.Number` are
 * `anyOf: [{type: "string", format: "integer", default: 0}, {type: "integer", …}]` so
 * that query strings parse; published as-is, that tells a model a limit may be the
 * string "0". This collapses each such union to its numeric branch, keeping the outer
 * keywords (description, minimum…). Everything else passes through unchanged.
 */
type Json = Record<string, unknown>;

const NUMERIC_STRING_FORMATS = new Set(["integer", "number", "numeric"]);

function isNumericStringBranch(s: unknown): boolean {
  return typeof s === "object" && s !== null && (s as Json).type === "string" && NUMERIC_STRING_FORMATS.has(String((s as Json).format));
}

function isNumberBranch(s: unknown): s is Json {
  return typeof s === "object" && s !== null && ((s as Json).type === "integer" || (s as Json).type === "number");
}

export function plainJsonSchema<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(plainJsonSchema) as T;
  if (typeof schema !== "object" || schema === null) return schema;
  const node = schema as Json;
  const anyOf = node.anyOf;
  if (Array.isArray(anyOf) && anyOf.length === 2 && anyOf.some(isNumericStringBranch) && anyOf.some(isNumberBranch)) {
    const { anyOf: _drop, ...outer } = node;
    return plainJsonSchema({ ...anyOf.find(isNumberBranch)!, ...outer }) as T;
  }
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = plainJsonSchema(value);
  return out as T;
}
