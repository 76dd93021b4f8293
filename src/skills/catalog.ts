/*
 * The skills in the store: every `SKILL.md` below the skills prefix (default `skills/`)
 * whose directory is a valid skill. An entry is the extension's `Skill`: the SKILL.md's
 * URI, its frontmatter as written, and the complete manifest of the directory's files
 * (nested skills' files included), each with its `sha256:` digest and size — the store
 * already keeps both, so no file is read for the manifest. Only the first
 * FRONTMATTER_MAX_BYTES of each SKILL.md are read, and parsed frontmatter is cached by
 * content hash. A skill over the extension's limits, or with bad frontmatter (an import
 * does not check it), is not listed; asking for it says why.
 */

import { QuiverError } from "../errors.ts";
import type { Files } from "../store/interfaces/files.ts";
import {
  FRONTMATTER_MAX_BYTES,
  type Frontmatter,
  FrontmatterError,
  parseFrontmatter,
} from "./frontmatter.ts";
import { SKILL_FILE, skillDirOf, skillUriOfPath } from "./skill-uri.ts";

/** The extension's per-skill limits (resources per skill, total bytes per skill). */
export const SKILL_LIMITS = { files: 512, bytes: 16 * 1024 * 1024 };
export const SKILLS_PAGE_SIZE = 50;
const CACHE_ENTRIES = 1024;

export interface SkillResource {
  uri: string;
  digest: string;
  size: number;
}

export interface SkillEntry {
  uri: string;
  frontmatter: Frontmatter;
  resources: SkillResource[];
}

/** Why a SKILL.md is not served as a skill (-32602 for skills/get). */
export class NotASkill extends QuiverError {
  constructor(message: string) {
    super(400, "not_a_skill", message);
  }
}

export class SkillCatalog {
  readonly #parsed = new Map<string, Frontmatter | FrontmatterError>();

  constructor(
    readonly files: Files,
    /** Normalised, ending in "/" (or "" for the whole store). */
    readonly prefix: string,
  ) {}

  /** One page of skills, in path order; the cursor is opaque. */
  async list(cursor?: string): Promise<{ skills: SkillEntry[]; nextCursor?: string }> {
    const after = cursor === undefined ? "" : decodeCursor(cursor, this.prefix);
    const paths = await this.files.pathsNamed(this.prefix, SKILL_FILE, SKILLS_PAGE_SIZE + 1, after);
    const page = paths.slice(0, SKILLS_PAGE_SIZE);
    const skills: SkillEntry[] = [];
    for (const path of page) {
      const entry = await this.entry(path).catch((err) => {
        if (err instanceof QuiverError) return undefined; // not a skill (or gone meanwhile)
        throw err;
      });
      if (entry) skills.push(entry);
    }
    return paths.length > SKILLS_PAGE_SIZE
      ? { skills, nextCursor: encodeCursor(page[page.length - 1]!) }
      : { skills };
  }

  /** The entry for the SKILL.md at `path`, or NotASkill / file_not_found saying why not. */
  async entry(path: string): Promise<SkillEntry> {
    if (!path.startsWith(this.prefix) || !path.endsWith(`/${SKILL_FILE}`))
      throw new NotASkill(`${path} is not a ${SKILL_FILE} below ${this.prefix || "the store"}`);
    const { dir, name } = skillDirOf(path);
    if (dir.length <= this.prefix.length)
      throw new NotASkill(`a skill is a directory: ${path} has none below ${this.prefix}`);
    const info = await this.files.require(path);
    const frontmatter = await this.frontmatterOf(path, info.sha256, name);
    const listed = await this.files.list(dir, SKILL_LIMITS.files);
    if (listed.next_cursor)
      throw new NotASkill(
        `the skill at ${dir} has more than ${SKILL_LIMITS.files} files, the skills extension's limit`,
      );
    const total = listed.files.reduce((sum, f) => sum + f.size, 0);
    if (total > SKILL_LIMITS.bytes)
      throw new NotASkill(
        `the skill at ${dir} holds ${total} bytes, over the skills extension's limit of ${SKILL_LIMITS.bytes}`,
      );
    return {
      uri: skillUriOfPath(this.prefix, path),
      frontmatter,
      resources: listed.files.map((f) => ({
        uri: skillUriOfPath(this.prefix, f.path),
        digest: `sha256:${f.sha256}`,
        size: f.size,
      })),
    };
  }

  async frontmatterOf(path: string, hash: string, dirName: string): Promise<Frontmatter> {
    // The name is part of the key: the same bytes may sit in a directory of another name.
    const key = `${hash}:${dirName}`;
    let parsed = this.#parsed.get(key);
    if (!parsed) {
      parsed = parseOrError(await readHead(this.files, path), dirName);
      if (this.#parsed.size >= CACHE_ENTRIES)
        this.#parsed.delete(this.#parsed.keys().next().value!);
      this.#parsed.set(key, parsed);
    }
    if (parsed instanceof FrontmatterError)
      throw new NotASkill(`${path} is not a valid skill: ${parsed.message}`);
    return parsed;
  }
}

function parseOrError(text: string, dirName: string): Frontmatter | FrontmatterError {
  try {
    return parseFrontmatter(text, dirName);
  } catch (err) {
    if (err instanceof FrontmatterError) return err;
    throw err;
  }
}

/** The first FRONTMATTER_MAX_BYTES of a stored file, as text. */
async function readHead(files: Files, path: string): Promise<string> {
  const { blob } = await files.openRead(path);
  try {
    const parts: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of blob.chunks(0)) {
      parts.push(chunk.slice(0, FRONTMATTER_MAX_BYTES - size));
      size += parts[parts.length - 1]!.byteLength;
      if (size >= FRONTMATTER_MAX_BYTES) break;
    }
    return new TextDecoder().decode(Buffer.concat(parts));
  } finally {
    blob.close();
  }
}

const encodeCursor = (path: string) =>
  Buffer.from(JSON.stringify({ after: path })).toString("base64url");

function decodeCursor(cursor: string, prefix: string): string {
  try {
    const after = JSON.parse(Buffer.from(cursor, "base64url").toString()).after;
    if (typeof after === "string" && after.startsWith(prefix)) return after;
  } catch {}
  throw new QuiverError(
    400,
    "invalid_cursor",
    "invalid cursor: pass back the nextCursor of a previous skills/list page, or omit it",
  );
}

const catalogs = new WeakMap<Files, SkillCatalog>();

/** The catalog of a store and prefix (kept per store: it caches parsed frontmatter). */
export function catalogFor(files: Files, prefix: string): SkillCatalog {
  let catalog = catalogs.get(files);
  if (!catalog || catalog.prefix !== prefix) {
    catalog = new SkillCatalog(files, prefix);
    catalogs.set(files, catalog);
  }
  return catalog;
}
