/*
 * Checks a single write below the skills prefix before it commits (FileStore.checkWrite):
 * a SKILL.md must carry valid frontmatter (a 400 naming the field), and no skill the file
 * belongs to — its own, and any enclosing one — may pass the extension's limits (512
 * files, 16 MiB). Imports are not checked here (they go through commitMany); the catalog
 * leaves out what they bring in that is not a valid skill, and says why when asked.
 */

import { QuiverError } from "../errors.ts";
import type { Files } from "../store/interfaces/files.ts";
import { SKILL_LIMITS } from "./catalog.ts";
import { FRONTMATTER_MAX_BYTES, FrontmatterError, parseFrontmatter } from "./frontmatter.ts";
import { SKILL_FILE, skillDirOf } from "./skill-uri.ts";

export function skillWriteCheck(files: Files, prefix: string) {
  return async (path: string, text: string | undefined, size: number): Promise<void> => {
    if (!path.startsWith(prefix)) return;
    const isSkillMd = path.endsWith(`/${SKILL_FILE}`) || path === prefix + SKILL_FILE;
    if (isSkillMd) checkSkillMd(prefix, path, text);
    // Every directory from the file's up to the prefix may be a skill holding it.
    const before = (await files.get(path))?.size;
    let dir = path.slice(0, path.lastIndexOf("/") + 1);
    while (dir.length > prefix.length) {
      if (dir + SKILL_FILE === path || (await files.get(dir + SKILL_FILE)))
        await checkLimits(files, dir, size, before);
      dir = dir.slice(0, dir.lastIndexOf("/", dir.length - 2) + 1);
    }
  };
}

function checkSkillMd(prefix: string, path: string, text: string | undefined): void {
  const { dir, name } = skillDirOf(path);
  if (dir.length <= prefix.length)
    throw invalid(
      "path",
      `a skill is a directory below ${prefix}: write ${prefix}<name>/${SKILL_FILE}, where <name> is the frontmatter's name`,
    );
  if (text === undefined) throw invalid("frontmatter", `${SKILL_FILE} must be UTF-8 text`);
  try {
    parseFrontmatter(text.slice(0, FRONTMATTER_MAX_BYTES), name);
  } catch (err) {
    if (err instanceof FrontmatterError) throw invalid(err.field, `${path}: ${err.message}`);
    throw err;
  }
}

async function checkLimits(
  files: Files,
  dir: string,
  size: number,
  before: number | undefined,
): Promise<void> {
  const listed = await files.list(dir, SKILL_LIMITS.files + 1);
  const count = listed.files.length + (before === undefined ? 1 : 0);
  const bytes = listed.files.reduce((sum, f) => sum + f.size, 0) - (before ?? 0) + size;
  if (count > SKILL_LIMITS.files || listed.next_cursor)
    throw new QuiverError(
      400,
      "skill_too_large",
      `the skill at ${dir} would hold more than ${SKILL_LIMITS.files} files, the skills extension's limit`,
    );
  if (bytes > SKILL_LIMITS.bytes)
    throw new QuiverError(
      400,
      "skill_too_large",
      `the skill at ${dir} would hold ${bytes} bytes, over the skills extension's limit of ${SKILL_LIMITS.bytes} (16 MiB)`,
    );
}

function invalid(field: string, message: string): QuiverError {
  return new QuiverError(400, "invalid_skill", `${message} (field: ${field})`);
}
