import type { TObject } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";
import { Value } from "@sinclair/typebox/value";
import { badRequest } from "../errors.ts";
import type { AnyTool } from "./define.ts";

/**
 * Checks tool parameters against the tool's input schema — the same check for every
 * transport. Defaults from the schema are filled in; the first problem is reported with
 * the field it concerns ("parameters.limit: Expected integer").
 */
const compiled = new WeakMap<TObject, TypeCheck<TObject>>();

export function validateParameters(tool: AnyTool, params: unknown): Record<string, unknown> {
  if (params === undefined || params === null) params = {};
  if (typeof params !== "object" || Array.isArray(params))
    throw badRequest("invalid_parameters", `parameters for "${tool.name}" must be a JSON object`);
  let check = compiled.get(tool.input);
  if (!check) {
    check = TypeCompiler.Compile(tool.input);
    compiled.set(tool.input, check);
  }
  const withDefaults = Value.Default(tool.input, structuredClone(params));
  if (check.Check(withDefaults)) return withDefaults as Record<string, unknown>;
  const first = check.Errors(withDefaults).First()!;
  const field = first.path === "" ? "parameters" : "parameters." + first.path.slice(1).replaceAll("/", ".");
  throw badRequest("invalid_parameters", `${field}: ${first.message}`);
}
