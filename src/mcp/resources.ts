/*
 * MCP resources: every stored file is one (URIs in resource-uri.ts). `resources/list`
 * pages through them in path order with the store's own cursor (stable while files come
 * and go); `resources/read` answers text for text files and base64 for the rest, up to
 * MAX_RESOURCE_BYTES — larger files are for `GET /files/<path>`, which streams. Reading
 * needs the read scope, as read_file does, checked by the pipeline's one scope rule.
 */

import { AuthError, QuiverError } from "../errors.ts";
import { pathOfSkillUri, SKILL_URI_PREFIX } from "../skills/skill-uri.ts";
import { decodeText } from "../store/content.ts";
import type { FileInfo } from "../store/files.ts";
import type { Caller } from "../store/tokens.ts";
import type { Services } from "../tools/define.ts";
import { requireScope } from "../tools/pipeline.ts";
import { INVALID_PARAMS, RpcError } from "./jsonrpc.ts";
import { FILE_URI_TEMPLATE, fileUri, pathOfUri } from "./resource-uri.ts";

export const RESOURCE_PAGE_SIZE = 100;
/** A read result is one JSON message (base64 adds a third): big files stream over HTTP. */
export const MAX_RESOURCE_BYTES = 1024 * 1024;

export interface McpResource extends Record<string, unknown> {
  uri: string;
  name: string;
  mimeType: string;
  size: number;
  annotations: { lastModified: string };
}

export function resourceOf(info: FileInfo): McpResource {
  return {
    uri: fileUri(info.path),
    name: info.path,
    mimeType: info.content_type,
    size: info.size,
    annotations: { lastModified: info.updated_at },
  };
}

export const FILE_TEMPLATE = {
  uriTemplate: FILE_URI_TEMPLATE,
  name: "file",
  title: "Stored file",
  description:
    "A file stored in quiver, by its path (e.g. quiver://files/notes/todo.md). completion/complete completes the path.",
};

/**
 * Runs a store read, turning its expected failures into invalid params (-32602); an
 * authorization failure goes on to the protocol, which answers it as for a tool call.
 */
async function storeCall<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof AuthError) throw err;
    if (err instanceof QuiverError && err.status < 500)
      throw new RpcError(INVALID_PARAMS, err.message, { code: err.code });
    throw err;
  }
}

export async function listResources(
  params: Record<string, unknown>,
  caller: Caller,
  services: Services,
): Promise<Record<string, unknown>> {
  const { cursor } = params;
  if (cursor !== undefined && typeof cursor !== "string")
    throw new RpcError(INVALID_PARAMS, "params.cursor must be the nextCursor of a previous page");
  const page = await storeCall(() => {
    requireScope(caller, "read", "resources/list");
    return services.files.list("", RESOURCE_PAGE_SIZE, cursor);
  });
  return {
    resources: page.files.map(resourceOf),
    ...(page.next_cursor ? { nextCursor: page.next_cursor } : {}),
  };
}

export async function readResource(
  params: Record<string, unknown>,
  caller: Caller,
  services: Services,
): Promise<Record<string, unknown>> {
  // A skill's files are also skill:// resources (the skills extension): answered as asked.
  const skill = typeof params.uri === "string" && params.uri.startsWith(SKILL_URI_PREFIX);
  const path = skill
    ? await storeCall(() => pathOfSkillUri(services.config.skillsPrefix, params.uri as string))
    : pathOfUri(params.uri);
  const { info, blob } = await storeCall(() => {
    requireScope(caller, "read", "resources/read");
    return services.files.openRead(path);
  });
  const uri = skill ? (params.uri as string) : fileUri(info.path);
  if (info.size > MAX_RESOURCE_BYTES) {
    blob.close();
    throw new RpcError(
      INVALID_PARAMS,
      `${uri} is ${info.size} bytes, over the ${MAX_RESOURCE_BYTES}-byte limit for resources/read; download it with GET /files/${encodeURI(info.path)} (or read windows of its lines with read_file)`,
      { code: "resource_too_large", size: info.size, limit: MAX_RESOURCE_BYTES },
    );
  }
  const bytes = await blob.bytes();
  const content = info.is_text
    ? { uri, mimeType: info.content_type, text: decodeText(bytes) }
    : { uri, mimeType: info.content_type, blob: Buffer.from(bytes).toString("base64") };
  return { contents: [content] };
}
