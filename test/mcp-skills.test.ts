import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { importTree } from "../src/importer/import-tree.ts";
import { handleMessage, type McpCall } from "../src/mcp/protocol.ts";
import { SKILL_LIMITS, SKILLS_PAGE_SIZE } from "../src/skills/catalog.ts";
import { ENVELOPE } from "./mcp-support.ts";
import { request, type TestServer, tempDir, testServer, toolCaller } from "./support/services.ts";

// The skills extension over stored SKILL.md directories: frontmatter checked on write,
// the extension's limits, skills/list, skills/get, skill:// reads, directory reads, and the
// Agent Skills discovery index over HTTP.

const reader: McpCall = { caller: { id: "r", name: "r", scope: "read" } };
const modern = (id: number, method: string, params: Record<string, unknown> = {}) => ({
  jsonrpc: "2.0",
  id,
  method,
  params: { ...params, _meta: ENVELOPE },
});
const skillMd = (name: string, extra = "") =>
  `---\nname: ${name}\ndescription: Does ${name} things. Use it when ${name} comes up.\n${extra}---\n\n# ${name}\n\nSee references/GUIDE.md.\n`;
const sha = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

let server: TestServer;
let call: (body: unknown, c?: McpCall) => Promise<any>;
let write: ReturnType<typeof toolCaller>;
beforeAll(async () => {
  server = testServer();
  call = async (body, c = reader) => (await handleMessage(body, c, server.services)) as any;
  write = toolCaller(server.services);
  await write("write_file", {
    path: "skills/pdf-tools/SKILL.md",
    content: skillMd(
      "pdf-tools",
      'license: Apache-2.0\nmetadata:\n  version: "2.1"\nx-custom: [1, 2]\n',
    ),
  });
  await write("write_file", { path: "skills/pdf-tools/references/GUIDE.md", content: "guide\n" });
  await write("write_file", { path: "skills/pdf-tools/templates/a.md", content: "a" });
  await write("write_file", { path: "skills/pdf-tools/templates/regional/eu.md", content: "eu" });
  await write("write_file", {
    path: "skills/acme/billing/refunds/SKILL.md",
    content: skillMd("refunds"),
  });
});
afterAll(() => server.close());

/** Every skill skills/list names, page by page. */
async function listSkills(): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const res = await call(modern(pages, "skills/list", cursor ? { cursor } : {}));
    expect(res.result.cacheScope).toBe("private");
    names.push(...res.result.skills.map((s: any) => s.frontmatter.name));
    cursor = res.result.nextCursor;
    pages++;
  } while (cursor);
  return { names, pages };
}

describe("SKILL.md is checked when written", () => {
  const attempt = (path: string, content: string) =>
    request(server, `/files/${path}`, { method: "PUT", body: content, token: server.tokens.write });

  test.each([
    ["no frontmatter", "# just markdown\n", "frontmatter"],
    ["no closing line", "---\nname: x\n", "frontmatter"],
    ["not YAML", "---\nname: [unclosed\n---\n", "frontmatter"],
    ["a list, not a mapping", "---\n- a\n---\n", "frontmatter"],
    ["no name", "---\ndescription: d\n---\n", "name"],
    ["name not the directory's", skillMd("other"), "name"],
    ["name with capitals", "---\nname: Bad-Name\ndescription: d\n---\n", "name"],
    ["no description", "---\nname: bad\n---\n", "description"],
    [
      "description too long",
      `---\nname: bad\ndescription: ${"x".repeat(1025)}\n---\n`,
      "description",
    ],
    [
      "metadata not strings",
      "---\nname: bad\ndescription: d\nmetadata:\n  n: 3\n---\n",
      "metadata.n",
    ],
    [
      "compatibility not a string",
      "---\nname: bad\ndescription: d\ncompatibility: 3\n---\n",
      "compatibility",
    ],
  ])("%s: 400 invalid_skill naming %p, nothing stored", async (_what, content, field) => {
    const res = await attempt("skills/bad/SKILL.md", content);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("invalid_skill");
    expect(res.json.error.message).toContain(`(field: ${field})`);
    expect(server.services.files.get("skills/bad/SKILL.md")).toBeUndefined();
  });

  test("the write_file tool says the same; outside the prefix SKILL.md is any file", async () => {
    await expect(
      write("write_file", { path: "skills/bad/SKILL.md", content: "nope" }),
    ).rejects.toThrow(/field: frontmatter/);
    await expect(
      write("write_file", { path: "skills/SKILL.md", content: skillMd("skills") }),
    ).rejects.toThrow(/a skill is a directory/);
    await write("write_file", { path: "notes/SKILL.md", content: "not a skill" });
  });

  test("YAML aliases cannot blow a small frontmatter up", async () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 8; i++)
      bomb.push(
        `${"abcdefgh"[i]}: &${"abcdefgh"[i]} [*${"abcdefgh"[i - 1]}, *${"abcdefgh"[i - 1]}, *${"abcdefgh"[i - 1]}, *${"abcdefgh"[i - 1]}, *${"abcdefgh"[i - 1]}, *${"abcdefgh"[i - 1]}, *${"abcdefgh"[i - 1]}, *${"abcdefgh"[i - 1]}, *${"abcdefgh"[i - 1]}, *${"abcdefgh"[i - 1]}]`,
      );
    const res = await attempt(
      "skills/bad/SKILL.md",
      `---\nname: bad\ndescription: d\n${bomb.join("\n")}\n---\n`,
    );
    expect(res.status).toBe(400);
    // Bun's parser refuses excessive aliasing itself; the node count is a second bound.
    expect(res.json.error.message).toContain("(field: frontmatter)");
  });
});

describe("the extension's limits hold on write", () => {
  test(`at most ${SKILL_LIMITS.files} files per skill, its SKILL.md included`, async () => {
    const { files } = server.services;
    await files.put("skills/many/SKILL.md", [new TextEncoder().encode(skillMd("many"))]);
    for (let i = 1; i < SKILL_LIMITS.files; i++)
      await files.put(`skills/many/f/${String(i).padStart(3, "0")}`, [new Uint8Array([i % 256])]);
    await expect(files.put("skills/many/one-more", [new Uint8Array([1])])).rejects.toThrow(
      /more than 512 files/,
    );
    await files.put("skills/many/f/001", [new Uint8Array([9, 9])]); // replacing is not adding
    expect(files.get("skills/many/one-more")).toBeUndefined();
    expect((await listSkills()).names).toContain("many"); // exactly at the limit: valid
  });

  test("at most 16 MiB per skill, counting an enclosing skill too", async () => {
    const big = new Uint8Array(SKILL_LIMITS.bytes - 1024);
    await write("write_file", { path: "skills/outer/SKILL.md", content: skillMd("outer") });
    await write("write_file", { path: "skills/outer/inner/SKILL.md", content: skillMd("inner") });
    // In the outer skill only: the inner one stays small, the outer one would overflow.
    await server.services.files.put("skills/outer/big.bin", [big]);
    const res = await request(server, "/files/skills/outer/inner/more.bin", {
      method: "PUT",
      body: new Uint8Array(4096),
    });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe("skill_too_large");
    expect(res.json.error.message).toContain("the skill at skills/outer/ would hold");
  });
});

describe("skills/list and skills/get", () => {
  test("an entry is the frontmatter as written and the complete manifest with digests", async () => {
    const res = await call(modern(1, "skills/get", { uri: "skill://pdf-tools/SKILL.md" }));
    expect(res.result.resultType).toBe("complete");
    expect(res.result).toMatchObject({ ttlMs: 0, cacheScope: "private" });
    const { skill } = res.result;
    expect(skill.uri).toBe("skill://pdf-tools/SKILL.md");
    expect(skill.frontmatter).toEqual({
      name: "pdf-tools",
      description: "Does pdf-tools things. Use it when pdf-tools comes up.",
      license: "Apache-2.0",
      metadata: { version: "2.1" },
      "x-custom": [1, 2],
    });
    const md = skillMd(
      "pdf-tools",
      'license: Apache-2.0\nmetadata:\n  version: "2.1"\nx-custom: [1, 2]\n',
    );
    expect(skill.resources).toEqual([
      { uri: "skill://pdf-tools/SKILL.md", digest: sha(md), size: Buffer.byteLength(md) },
      { uri: "skill://pdf-tools/references/GUIDE.md", digest: sha("guide\n"), size: 6 },
      { uri: "skill://pdf-tools/templates/a.md", digest: sha("a"), size: 1 },
      { uri: "skill://pdf-tools/templates/regional/eu.md", digest: sha("eu"), size: 2 },
    ]);
  });

  test("every file of the manifest reads back as a resource, by its skill:// URI", async () => {
    const { skill } = (await call(modern(1, "skills/get", { uri: "skill://pdf-tools/SKILL.md" })))
      .result;
    for (const r of skill.resources) {
      const read = await call(modern(2, "resources/read", { uri: r.uri }));
      const [content] = read.result.contents;
      expect(content.uri).toBe(r.uri);
      expect(sha(content.text)).toBe(r.digest);
    }
  });

  test("a nested organisation prefix is part of the skill path; the name is its last segment", async () => {
    const res = await call(
      modern(1, "skills/get", { uri: "skill://acme/billing/refunds/SKILL.md" }),
    );
    expect(res.result.skill.frontmatter.name).toBe("refunds");
  });

  test("unknown skills, and files that are not a SKILL.md, are -32602", async () => {
    for (const uri of [
      "skill://nope/SKILL.md",
      "skill://pdf-tools/references/GUIDE.md",
      "https://example.com/SKILL.md",
      "skill://%zz/SKILL.md",
    ]) {
      const res = await call(modern(1, "skills/get", { uri }));
      expect(res.error.code).toBe(-32602);
      expect(res.error.message).toContain("no skill is served at");
    }
    expect((await call(modern(2, "skills/get", {}))).error.code).toBe(-32602);
  });

  test("skills/list pages through every valid skill; invalid imported ones are left out, get says why", async () => {
    const dir = tempDir("quiver-skills-");
    for (let i = 0; i < SKILLS_PAGE_SIZE + 5; i++) {
      const name = `gen-${String(i).padStart(2, "0")}`;
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, "SKILL.md"), skillMd(name));
    }
    mkdirSync(join(dir, "broken"));
    writeFileSync(join(dir, "broken", "SKILL.md"), "---\nname: wrong\ndescription: d\n---\n");
    // What `quiver index DIR --prefix skills/` does: the import does not check SKILL.md.
    await importTree(server.services.files, { root: dir, prefix: "skills/" });
    const { names, pages } = await listSkills();
    expect(pages).toBeGreaterThan(1);
    expect(names).toContain("gen-54");
    expect(names).toContain("pdf-tools");
    expect(names).toContain("refunds");
    expect(names).not.toContain("wrong");
    const broken = await call(modern(9, "skills/get", { uri: "skill://broken/SKILL.md" }));
    expect(broken.error.message).toContain('the skill\'s directory is "broken"');
    expect((await call(modern(10, "skills/list", { cursor: "bogus" }))).error.code).toBe(-32602);
  });
});

describe("resources/directory/read", () => {
  test("the direct children of a skill directory, subdirectories as inode/directory", async () => {
    const root = await call(modern(1, "resources/directory/read", { uri: "skill://pdf-tools" }));
    expect(root.result.resources.map((r: any) => [r.uri, r.mimeType])).toEqual([
      ["skill://pdf-tools/SKILL.md", "text/markdown;charset=utf-8"],
      ["skill://pdf-tools/references", "inode/directory"],
      ["skill://pdf-tools/templates", "inode/directory"],
    ]);
    const templates = await call(
      modern(2, "resources/directory/read", { uri: "skill://pdf-tools/templates" }),
    );
    expect(templates.result.resources.map((r: any) => r.name)).toEqual(["a.md", "regional"]);
  });

  test("a file, a missing directory and a directory outside any skill are -32602", async () => {
    for (const uri of [
      "skill://pdf-tools/SKILL.md",
      "skill://pdf-tools/nothing",
      "skill://acme",
      "quiver://files/skills",
    ]) {
      const res = await call(modern(1, "resources/directory/read", { uri }));
      expect(res.error.code).toBe(-32602);
    }
  });
});

describe("declared, and scoped", () => {
  test("server/discover declares the extension with directoryRead", async () => {
    const res = await call(modern(1, "server/discover"));
    expect(res.result.capabilities.extensions["io.modelcontextprotocol/skills"]).toEqual({
      directoryRead: true,
    });
  });
});

describe("the Agent Skills discovery index", () => {
  test("/.well-known/agent-skills/index.json lists skill-md entries with digests, for a token", async () => {
    expect(
      (await request(server, "/.well-known/agent-skills/index.json", { token: null })).status,
    ).toBe(401);
    const res = await request(server, "/.well-known/agent-skills/index.json", {
      token: server.tokens.read,
    });
    expect(res.status).toBe(200);
    expect(res.json.$schema).toBe("https://schemas.agentskills.io/discovery/0.2.0/schema.json");
    const pdf = res.json.skills.find((s: any) => s.name === "pdf-tools");
    expect(pdf).toMatchObject({ type: "skill-md", url: "/files/skills/pdf-tools/SKILL.md" });
    const file = await request(server, pdf.url, { token: server.tokens.read });
    expect(sha(file.text)).toBe(pdf.digest);
    expect(res.json.skills.find((s: any) => s.name === "refunds").url).toBe(
      "/files/skills/acme/billing/refunds/SKILL.md",
    );
  });
});

test("--skills-prefix moves where skills live", async () => {
  expect(loadConfig({ "skills-prefix": "agent/tools" }, {}).skillsPrefix).toBe("agent/tools/");
  expect(loadConfig({}, { QUIVER_SKILLS_PREFIX: "ai/" }).skillsPrefix).toBe("ai/");
  expect(() => loadConfig({ "skills-prefix": "../x" }, {})).toThrow(/skills prefix/);
  const other = testServer({ skillsPrefix: "agent/" });
  try {
    await toolCaller(other.services)("write_file", {
      path: "agent/helper/SKILL.md",
      content: skillMd("helper"),
    });
    await toolCaller(other.services)("write_file", {
      path: "skills/x/SKILL.md",
      content: "not checked here",
    });
    const res = (await handleMessage(modern(1, "skills/list"), reader, other.services)) as any;
    expect(res.result.skills.map((s: any) => s.uri)).toEqual(["skill://helper/SKILL.md"]);
  } finally {
    other.close();
  }
});
