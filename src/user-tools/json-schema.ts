/*
 * A JSON Schema (a user's plain object, or a TypeBox schema that lost its symbols crossing
 * from the tool worker) rebuilt as TypeBox, so the pipeline validates user tools with the
 * same compiled checks as built-in ones. Only the keywords TypeBox checks are accepted;
 * anything else is a start-up error rather than a constraint silently not enforced.
 */

import { type TSchema, Type } from "@sinclair/typebox";

export class SchemaError extends Error {}

/** Keywords copied through as TypeBox options (TypeBox's compiler checks each of them). */
const OPTIONS = [
  "title",
  "description",
  "default",
  "examples",
  "minLength",
  "maxLength",
  "pattern",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
  "uniqueItems",
  "minProperties",
  "maxProperties",
] as const;
/** Structural keywords handled below, and ones that carry no constraint. */
const HANDLED = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "patternProperties",
  "items",
  "anyOf",
  "oneOf",
  "enum",
  "const",
  "$schema",
  "$id",
  "$comment",
  // Not checked (TypeBox needs each format registered); kept out of validation on purpose.
  "format",
  ...OPTIONS,
]);
const MAX_DEPTH = 32;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The tool's `input`: it must describe an object (tool parameters are a JSON object). */
export function inputSchema(schema: unknown, at: string): TSchema {
  if (!isObject(schema) || (schema.type !== "object" && !("properties" in schema)))
    throw new SchemaError(
      `${at}: input must be an object schema (t.Object({...}) or {"type":"object", ...})`,
    );
  return fromJsonSchema({ type: "object", ...schema }, at);
}

export function fromJsonSchema(schema: unknown, at: string, depth = 0): TSchema {
  if (depth > MAX_DEPTH) throw new SchemaError(`${at}: nested deeper than ${MAX_DEPTH} levels`);
  if (schema === true) return Type.Unknown();
  if (!isObject(schema)) throw new SchemaError(`${at}: a schema must be an object`);
  for (const key of Object.keys(schema))
    if (!HANDLED.has(key))
      throw new SchemaError(`${at}: JSON Schema keyword "${key}" is not supported`);
  const opts: Json = {};
  for (const key of OPTIONS) if (key in schema) opts[key] = schema[key];
  const sub = (s: unknown, where: string) => fromJsonSchema(s, `${at}${where}`, depth + 1);

  if ("const" in schema) return literal(schema.const, at, opts);
  if (schema.enum !== undefined) {
    if (!Array.isArray(schema.enum) || schema.enum.length === 0)
      throw new SchemaError(`${at}.enum: must be a non-empty array`);
    const values = schema.enum.map((v) => literal(v, `${at}.enum`, {}));
    return values.length === 1 ? literal(schema.enum[0], at, opts) : Type.Union(values, opts);
  }
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices !== undefined) {
    if (!Array.isArray(choices) || choices.length === 0)
      throw new SchemaError(`${at}.anyOf: must be a non-empty array`);
    return Type.Union(
      choices.map((c, i) => sub(c, `.anyOf[${i}]`)),
      opts,
    );
  }
  if (Array.isArray(schema.type))
    return Type.Union(
      schema.type.map((type, i) => sub({ ...schema, type }, `.type[${i}]`)),
      opts,
    );
  switch (schema.type) {
    case undefined:
      return Type.Unknown(opts);
    case "string":
      return Type.String(opts);
    case "number":
      return Type.Number(opts);
    case "integer":
      return Type.Integer(opts);
    case "boolean":
      return Type.Boolean(opts);
    case "null":
      return Type.Null(opts);
    case "array":
      return Type.Array(
        schema.items === undefined ? Type.Unknown() : sub(schema.items, ".items"),
        opts,
      );
    case "object":
      return objectSchema(schema, opts, sub, at);
    default:
      throw new SchemaError(`${at}.type: unknown type ${JSON.stringify(schema.type)}`);
  }
}

function objectSchema(
  schema: Json,
  opts: Json,
  sub: (s: unknown, where: string) => TSchema,
  at: string,
): TSchema {
  const extra = schema.additionalProperties;
  if (extra !== undefined)
    opts.additionalProperties =
      typeof extra === "boolean" ? extra : sub(extra, ".additionalProperties");
  if (schema.patternProperties !== undefined) {
    const patterns = isObject(schema.patternProperties)
      ? Object.entries(schema.patternProperties)
      : [];
    if (patterns.length !== 1 || schema.properties !== undefined)
      throw new SchemaError(
        `${at}.patternProperties: only a single pattern without properties (t.Record) is supported`,
      );
    const [pattern, value] = patterns[0]!;
    return Type.Record(Type.String({ pattern }), sub(value, `.patternProperties`), opts);
  }
  const properties = schema.properties ?? {};
  if (!isObject(properties)) throw new SchemaError(`${at}.properties: must be an object`);
  const required = schema.required ?? [];
  if (!Array.isArray(required) || !required.every((r) => typeof r === "string"))
    throw new SchemaError(`${at}.required: must be an array of property names`);
  const shape: Record<string, TSchema> = {};
  for (const [key, value] of Object.entries(properties)) {
    const prop = sub(value, `.${key}`);
    shape[key] = required.includes(key) ? prop : Type.Optional(prop);
  }
  return Type.Object(shape, opts);
}

function literal(value: unknown, at: string, opts: Json): TSchema {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return Type.Literal(value, opts);
  if (value === null) return Type.Null(opts);
  throw new SchemaError(`${at}: only string, number, boolean or null constants are supported`);
}
