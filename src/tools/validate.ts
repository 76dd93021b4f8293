/*
 * Tool parameters checked against the tool's input schema, and results against its
 * output schema when it declares one — the same checks for every transport, compiled
 * once per schema.
 */

import type { TObject, TSchema } from "@sinclair/typebox";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import { Value, type ValueError, ValueErrorType } from "@sinclair/typebox/value";
import { badRequest, internalError } from "../errors.ts";
import type { AnyTool } from "./define.ts";

interface Compiled {
  check: TypeCheck<TSchema>;
  /** Only schemas that declare defaults pay for cloning and filling them in. */
  hasDefaults: boolean;
}
const compiled = new WeakMap<TSchema, Compiled>();

function compile(schema: TSchema): Compiled {
  let entry = compiled.get(schema);
  if (!entry) {
    entry = {
      check: TypeCompiler.Compile(schema),
      hasDefaults: JSON.stringify(schema).includes('"default":'),
    };
    compiled.set(schema, entry);
  }
  return entry;
}

/**
 * Defaults from the schema are filled in; the first problem is reported with the field it
 * concerns ("parameters.limit: Expected integer").
 */
export function validateParameters(tool: AnyTool, params: unknown): Record<string, unknown> {
  if (params === undefined || params === null) params = {};
  if (typeof params !== "object" || Array.isArray(params))
    throw badRequest("invalid_parameters", `parameters for "${tool.name}" must be a JSON object`);
  const entry = compile(tool.input as TObject);
  const candidate = entry.hasDefaults ? Value.Default(tool.input, structuredClone(params)) : params;
  if (entry.check.Check(candidate)) return candidate as Record<string, unknown>;
  const first = entry.check.Errors(candidate).First()!;
  const field =
    first.path === "" ? "parameters" : `parameters.${first.path.slice(1).replaceAll("/", ".")}`;
  throw badRequest("invalid_parameters", `${field}: ${explain(first, tool)}`);
}

/**
 * TypeBox's message, made to point at the fix where it is vague: "Expected union value"
 * for a choice of literals lists the allowed values, and an unknown property lists the
 * parameters the tool takes.
 */
function explain(error: ValueError, tool: AnyTool): string {
  const choices = (error.schema as { anyOf?: { const?: unknown }[] }).anyOf;
  if (choices?.length && choices.every((c) => c.const !== undefined))
    return `must be one of ${choices.map((c) => JSON.stringify(c.const)).join(", ")}, got ${preview(error.value)}`;
  if (error.type === ValueErrorType.ObjectAdditionalProperties && error.path.lastIndexOf("/") === 0)
    return `unknown parameter; "${tool.name}" takes ${Object.keys(tool.input.properties).join(", ") || "no parameters"}`;
  return error.message;
}

/** A user's value, quoted and bounded: it goes into an error message. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

/** A result that does not match the declared output schema is quiver's bug, not the caller's. */
export function validateResult(tool: AnyTool, value: unknown): void {
  if (!tool.output) return;
  const { check } = compile(tool.output);
  if (check.Check(value)) return;
  const first = check.Errors(value).First();
  throw internalError(
    `internal error: "${tool.name}" produced a result that does not match its output schema`,
    new Error(`output ${first?.path || "/"}: ${first?.message ?? "invalid"}`),
  );
}
