import { Elysia } from "elysia";
import type { OpenServices } from "../services.ts";
import { catalogFor } from "../skills/catalog.ts";
import { pathOfSkillUri } from "../skills/skill-uri.ts";
import type { AuthPlugin } from "./auth.ts";

/** The index lists at most this many skills (pages of the catalog, read in one request). */
export const INDEX_MAX_SKILLS = 1000;
export const DISCOVERY_SCHEMA = "https://schemas.agentskills.io/discovery/0.2.0/schema.json";

/**
 * The Agent Skills discovery index (`/.well-known/agent-skills/index.json`, schema 0.2.0):
 * each valid skill as a `skill-md` entry whose `url` is `GET /files/<path>` of its SKILL.md
 * and whose `digest` is that file's SHA-256. Unlike a public website's index it needs a
 * read token: the skills are stored files, as private as every other, and the files the
 * entries point at need the token anyway. The whole skill (supporting files with their
 * digests) is what MCP's skills/get answers; quiver offers no archives.
 */
export function skillRoutes(services: OpenServices, auth: AuthPlugin) {
  const catalog = () => catalogFor(services.files, services.config.skillsPrefix);
  return new Elysia({ name: "quiver/skills" }).use(auth).get(
    "/.well-known/agent-skills/index.json",
    async ({ set }) => {
      const skills: Record<string, unknown>[] = [];
      let cursor: string | undefined;
      do {
        const page = await catalog().list(cursor);
        for (const entry of page.skills) {
          if (skills.length >= INDEX_MAX_SKILLS) break;
          const md = entry.resources.find((r: { uri: string }) => r.uri === entry.uri)!;
          skills.push({
            name: entry.frontmatter.name,
            type: "skill-md",
            description: entry.frontmatter.description,
            url: `/files/${pathOfSkillUri(services.config.skillsPrefix, entry.uri)
              .split("/")
              .map(encodeURIComponent)
              .join("/")}`,
            digest: md.digest,
          });
        }
        cursor = page.nextCursor;
      } while (cursor && skills.length < INDEX_MAX_SKILLS);
      set.headers["cache-control"] = "private, no-cache";
      return { $schema: DISCOVERY_SCHEMA, skills };
    },
    { auth: "read" },
  );
}
