/*
 * A SKILL.md's YAML frontmatter, read and checked against the Agent Skills format
 * (agentskills.io/specification): `name` (1–64 of a-z 0-9 and single hyphens, equal to
 * the skill's directory name) and `description` (1–1024 characters) are required;
 * `license`, `compatibility` (≤ 500), `allowed-tools` are strings and `metadata` maps
 * strings to strings when present; every other field passes through as written. The YAML
 * parser is Bun's own (Bun.YAML), run on at most FRONTMATTER_MAX_BYTES.
 */

/** The frontmatter is read from the first bytes only: a skill's catalogue entry stays cheap. */
export const FRONTMATTER_MAX_BYTES = 64 * 1024;
/** Values visited while checking shape: YAML aliases cannot make a small text a huge tree. */
const MAX_NODES = 10_000;

export type Frontmatter = { name: string; description: string } & Record<string, unknown>;

/** A frontmatter problem; `field` names what to fix (or "frontmatter" for the block itself). */
export class FrontmatterError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "FrontmatterError";
  }
}

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The YAML between the opening `---` line and the next `---` line. */
export function frontmatterText(text: string): string {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  const open = /^---[ \t]*\r?\n/.exec(body);
  if (!open)
    throw new FrontmatterError(
      "frontmatter",
      'SKILL.md must begin with YAML frontmatter: a line "---", then name: and description:, then "---"',
    );
  const rest = body.slice(open[0].length);
  const close = /^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/m.exec(rest);
  if (!close)
    throw new FrontmatterError(
      "frontmatter",
      `SKILL.md's frontmatter has no closing "---" line within its first ${FRONTMATTER_MAX_BYTES} bytes`,
    );
  return rest.slice(0, close.index);
}

/** Parses and checks a SKILL.md's frontmatter; `dirName` is the skill directory's name. */
export function parseFrontmatter(text: string, dirName: string): Frontmatter {
  let value: unknown;
  try {
    value = Bun.YAML.parse(frontmatterText(text));
  } catch (err) {
    if (err instanceof FrontmatterError) throw err;
    throw new FrontmatterError(
      "frontmatter",
      `SKILL.md's frontmatter is not valid YAML: ${(err as Error).message}`,
    );
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new FrontmatterError(
      "frontmatter",
      "SKILL.md's frontmatter must be a YAML mapping (name: …, description: …)",
    );
  countNodes(value, { n: 0 });
  const fm = value as Record<string, unknown>;
  const name = fm.name;
  if (typeof name !== "string" || name.length === 0)
    throw new FrontmatterError("name", "frontmatter field name is required (a string)");
  if (name.length > 64 || !NAME.test(name))
    throw new FrontmatterError(
      "name",
      `frontmatter field name ${JSON.stringify(name.slice(0, 80))} must be 1-64 lowercase letters, digits and single hyphens, not starting or ending with a hyphen`,
    );
  if (name !== dirName)
    throw new FrontmatterError(
      "name",
      `frontmatter field name is "${name}" but the skill's directory is "${dirName}": they must be equal`,
    );
  const description = fm.description;
  if (typeof description !== "string" || description.trim() === "")
    throw new FrontmatterError(
      "description",
      "frontmatter field description is required: say what the skill does and when to use it",
    );
  if (description.length > 1024)
    throw new FrontmatterError(
      "description",
      `frontmatter field description is ${description.length} characters; at most 1024`,
    );
  for (const key of ["license", "compatibility", "allowed-tools"])
    if (fm[key] !== undefined && typeof fm[key] !== "string")
      throw new FrontmatterError(key, `frontmatter field ${key} must be a string`);
  if (typeof fm.compatibility === "string" && fm.compatibility.length > 500)
    throw new FrontmatterError(
      "compatibility",
      "frontmatter field compatibility is over 500 characters",
    );
  const metadata = fm.metadata;
  if (metadata !== undefined) {
    if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
      throw new FrontmatterError("metadata", "frontmatter field metadata must be a mapping");
    for (const [key, v] of Object.entries(metadata))
      if (typeof v !== "string")
        throw new FrontmatterError(
          `metadata.${key}`,
          `frontmatter field metadata.${key} must be a string (quote it)`,
        );
  }
  return fm as Frontmatter;
}

function countNodes(value: unknown, count: { n: number }): void {
  if (++count.n > MAX_NODES)
    throw new FrontmatterError(
      "frontmatter",
      `SKILL.md's frontmatter has more than ${MAX_NODES} values (aliases included)`,
    );
  if (typeof value === "object" && value !== null)
    for (const v of Object.values(value)) countNodes(v, count);
}
