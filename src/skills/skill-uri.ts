/*
 * Skills as `skill://` URIs (the skills extension's scheme): `skill://<skill path>/<file>`,
 * where the skill path is the skill directory's path below the skills prefix
 * (`skills/acme/refunds/` → `acme/refunds`) and ends in the skill's name. Segments are
 * percent-encoded as quiver://files/ URIs are (resource-uri.ts), so each file has one
 * canonical URI in each scheme; reading accepts any encoding that decodes to a valid path.
 */

import { QuiverError } from "../errors.ts";
import { normalizePath } from "../store/paths.ts";

export const SKILL_URI_PREFIX = "skill://";
export const SKILL_FILE = "SKILL.md";

const encodePath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

/** The URI of a stored file that lies under the skills prefix. */
export function skillUriOfPath(prefix: string, path: string): string {
  return SKILL_URI_PREFIX + encodePath(path.slice(prefix.length));
}

/** The stored path a skill:// URI names, or a 400-style QuiverError saying why it names none. */
export function pathOfSkillUri(prefix: string, uri: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(uri.slice(SKILL_URI_PREFIX.length));
  } catch {
    throw new QuiverError(
      400,
      "invalid_path",
      `${uri.slice(0, 200)} has malformed percent-encoding`,
    );
  }
  if (decoded.endsWith("/")) decoded = decoded.slice(0, -1);
  return prefix + normalizePath(decoded, "the skill URI's path");
}

/** For a stored `…/<dir>/SKILL.md`: the directory (with "/") and its name. */
export function skillDirOf(skillMdPath: string): { dir: string; name: string } {
  const dir = skillMdPath.slice(0, -SKILL_FILE.length);
  const parent = dir.slice(0, -1);
  return { dir, name: parent.slice(parent.lastIndexOf("/") + 1) };
}
