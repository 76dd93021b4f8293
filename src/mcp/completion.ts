/*
 * `completion/complete` for the one argument quiver has to complete: the `path` of the
 * file template. Values are stored paths that start with what the user typed (a plain
 * string prefix, so "docs/." finds "docs/.env"), in path order, at most 100 (the spec's
 * cap) with `hasMore` when there are others.
 */

import type { Caller } from "../store/tokens.ts";
import type { Services } from "../tools/define.ts";
import { requireScope } from "../tools/pipeline.ts";
import { INVALID_PARAMS, isObject, RpcError } from "./jsonrpc.ts";
import { FILE_URI_TEMPLATE } from "./resource-uri.ts";

export const MAX_COMPLETIONS = 100;
/** A prefix longer than any stored path matches nothing (paths.ts: 1024 UTF-8 bytes). */
const MAX_PREFIX_CHARS = 1024;

export async function complete(
  params: Record<string, unknown>,
  caller: Caller,
  services: Services,
): Promise<Record<string, unknown>> {
  const { ref, argument } = params;
  if (!isObject(ref) || ref.type !== "ref/resource" || ref.uri !== FILE_URI_TEMPLATE)
    throw new RpcError(
      INVALID_PARAMS,
      `quiver completes only the path of the resource template: params.ref must be {"type": "ref/resource", "uri": "${FILE_URI_TEMPLATE}"}`,
    );
  if (!isObject(argument) || argument.name !== "path" || typeof argument.value !== "string")
    throw new RpcError(
      INVALID_PARAMS,
      'params.argument must be {"name": "path", "value": "<the path so far>"}',
    );
  requireScope(caller, "read", "completion/complete");
  const typed = argument.value;
  if (!typed.isWellFormed() || typed.length > MAX_PREFIX_CHARS)
    return { completion: { values: [], hasMore: false } };
  // Stored paths are NFC: a prefix typed in another normal form still matches.
  const page = await services.files.list(typed.normalize("NFC"), MAX_COMPLETIONS);
  return {
    completion: {
      values: page.files.map((file) => file.path),
      hasMore: page.next_cursor !== undefined,
    },
  };
}
