/*
 * The skills extension (`io.modelcontextprotocol/skills`, SEP-2640) over the store's skill
 * directories (src/skills/): `skills/list` (paginated), `skills/get` (one entry, by the
 * URI of its SKILL.md) and `resources/directory/read` (a directory within a skill). The
 * files themselves are read with `resources/read`, as `skill://` or `quiver://files/`
 * URIs (resources.ts). Reading needs the read scope, as every file read does.
 */

import { QuiverError } from "../errors.ts";
import { catalogFor, SKILL_LIMITS } from "../skills/catalog.ts";
import {
  pathOfSkillUri,
  SKILL_FILE,
  SKILL_URI_PREFIX,
  skillUriOfPath,
} from "../skills/skill-uri.ts";
import type { Caller } from "../store/tokens.ts";
import type { Services } from "../tools/define.ts";
import { requireScope } from "../tools/pipeline.ts";
import { INVALID_PARAMS, RpcError } from "./jsonrpc.ts";
import { FILE_URI_PREFIX, pathOfUri } from "./resource-uri.ts";

export const SKILLS_EXTENSION = "io.modelcontextprotocol/skills";
export const DIRECTORY_MIME = "inode/directory";

const catalogOf = (services: Pick<Services, "files" | "config">) =>
  catalogFor(services.files, services.config.skillsPrefix);

/** A store error the client caused, as invalid params (-32602). */
function invalid(err: unknown): never {
  if (err instanceof QuiverError && err.status < 500 && err.status !== 401 && err.status !== 403)
    throw new RpcError(INVALID_PARAMS, err.message, { code: err.code });
  throw err;
}

export async function listSkills(
  params: Record<string, unknown>,
  caller: Caller,
  services: Services,
): Promise<Record<string, unknown>> {
  requireScope(caller, "read", "skills/list");
  const { cursor } = params;
  if (cursor !== undefined && typeof cursor !== "string")
    throw new RpcError(INVALID_PARAMS, "params.cursor must be the nextCursor of a previous page");
  return { ...(await catalogOf(services).list(cursor).catch(invalid)) };
}

export async function getSkill(
  params: Record<string, unknown>,
  caller: Caller,
  services: Services,
): Promise<Record<string, unknown>> {
  requireScope(caller, "read", "skills/get");
  const { uri } = params;
  if (typeof uri !== "string")
    throw new RpcError(
      INVALID_PARAMS,
      `skills/get needs params.uri, the URI of a skill's ${SKILL_FILE} (skills/list lists them)`,
    );
  try {
    return { skill: await catalogOf(services).entry(storedPath(uri, services)) };
  } catch (err) {
    if (err instanceof QuiverError && err.status < 500 && err.status !== 403)
      throw new RpcError(
        INVALID_PARAMS,
        `no skill is served at ${uri.slice(0, 300)}: ${err.message}`,
        {
          code: err.code,
        },
      );
    throw err;
  }
}

/** The stored path a skill:// or quiver://files/ URI names (QuiverError 400 if none). */
export function storedPath(uri: string, services: Pick<Services, "config">): string {
  if (uri.startsWith(SKILL_URI_PREFIX)) return pathOfSkillUri(services.config.skillsPrefix, uri);
  if (uri.startsWith(FILE_URI_PREFIX)) {
    try {
      return pathOfUri(uri);
    } catch (err) {
      throw new QuiverError(400, "invalid_path", (err as Error).message);
    }
  }
  throw new QuiverError(
    400,
    "invalid_path",
    `${uri.slice(0, 200)} is neither a skill:// nor a quiver://files/ URI`,
  );
}

/** `resources/directory/read`: the direct children of a directory within a skill. */
export async function readDirectory(
  params: Record<string, unknown>,
  caller: Caller,
  services: Services,
): Promise<Record<string, unknown>> {
  requireScope(caller, "read", "resources/directory/read");
  const { uri } = params;
  if (typeof uri !== "string" || !uri.startsWith(SKILL_URI_PREFIX))
    throw new RpcError(
      INVALID_PARAMS,
      "params.uri must be a skill directory's URI, e.g. skill://pdf-processing/templates",
    );
  const { files, config } = services;
  const prefix = config.skillsPrefix;
  let path: string;
  try {
    path = pathOfSkillUri(prefix, uri);
  } catch (err) {
    return invalid(err);
  }
  const dir = `${path}/`;
  if ((await files.get(path)) || !(await withinSkill(services, dir)))
    throw new RpcError(INVALID_PARAMS, `${uri} is not a directory resource within a skill`);
  // A skill holds at most SKILL_LIMITS.files files; a directory in one holds no more.
  const listed = await files.list(dir, SKILL_LIMITS.files);
  // A directory exists in the store only as the prefix of its files.
  if (listed.files.length === 0)
    throw new RpcError(INVALID_PARAMS, `${uri} is not a directory resource within a skill`);
  const resources: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (const f of listed.files) {
    const rest = f.path.slice(dir.length);
    const slash = rest.indexOf("/");
    if (slash === -1) {
      resources.push({
        uri: skillUriOfPath(prefix, f.path),
        name: rest,
        mimeType: f.content_type,
        size: f.size,
      });
      continue;
    }
    const sub = rest.slice(0, slash);
    if (seen.has(sub)) continue;
    seen.add(sub);
    resources.push({ uri: skillUriOfPath(prefix, dir + sub), name: sub, mimeType: DIRECTORY_MIME });
  }
  return { resources };
}

/** Whether `dir` (ending in "/") is a skill's directory or lies inside one. */
async function withinSkill(
  services: Pick<Services, "files" | "config">,
  dir: string,
): Promise<boolean> {
  const prefix = services.config.skillsPrefix;
  for (let d = dir; d.length > prefix.length; d = d.slice(0, d.lastIndexOf("/", d.length - 2) + 1))
    if (await services.files.get(d + SKILL_FILE)) return true;
  return false;
}
