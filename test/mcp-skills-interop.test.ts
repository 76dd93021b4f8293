import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { SkillsClient } from "@modelcontextprotocol/client/ext/skills";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { spawnSync } from "bun";
import { buildBinary, MODERN, type Running, startBinary, TOKEN, tempDir } from "./mcp-support.ts";

// The official v2 SDK's skills client (SEP-2640, which verifies every file's size, digest
// and the SKILL.md's frontmatter against the entry) against the binary, over HTTP and
// stdio, after `quiver index DIR --prefix skills/` brought a local skills folder in.

const info = { name: "quiver-skills", version: "1.0.0" };
const modernOptions = { versionNegotiation: { mode: { pin: MODERN } } } as any;
const SKILL = `---
name: release-notes
description: Write release notes from merged changes. Use when preparing a release.
license: MIT
metadata:
  author: quiver
---

# Release notes

Pick a template from templates/ and follow references/STYLE.md.
`;

function skillsFolder(): string {
  const dir = tempDir("quiver-skills-src-");
  mkdirSync(join(dir, "release-notes", "templates"), { recursive: true });
  mkdirSync(join(dir, "release-notes", "references"));
  mkdirSync(join(dir, "release-notes", "scripts"));
  writeFileSync(join(dir, "release-notes", "SKILL.md"), SKILL);
  writeFileSync(join(dir, "release-notes", "templates", "minor.md"), "## Minor\n");
  writeFileSync(join(dir, "release-notes", "references", "STYLE.md"), "Short lines.\n");
  // Stored and served as bytes; quiver never runs it.
  writeFileSync(
    join(dir, "release-notes", "scripts", "collect.sh"),
    "#!/bin/sh\ntouch /tmp/ran\n",
    {
      mode: 0o755,
    },
  );
  return dir;
}

async function exercise(client: Client) {
  const skills = new SkillsClient(client);
  expect(skills.supported).toBe(true);
  expect(skills.directoryRead).toBe(true);
  const { skills: entries } = await skills.list();
  expect(entries.map((s) => s.uri)).toEqual(["skill://release-notes/SKILL.md"]);
  const entry = entries[0]!;
  expect(entry.frontmatter).toMatchObject({ name: "release-notes", license: "MIT" });
  const md = await skills.read(entry);
  expect(md.verified).toBe(true);
  expect(md.body).toContain("# Release notes");
  const style = await skills.read(entry, "references/STYLE.md");
  expect(style.text).toBe("Short lines.\n");
  const script = await skills.read(entry, "scripts/collect.sh");
  expect(script.verified).toBe(true);
  const got = await skills.get("skill://release-notes/SKILL.md");
  expect(got.skill.resources).toEqual(entry.resources);
  const dir = await skills.readDirectory("skill://release-notes/templates");
  expect(dir.resources.map((r) => r.uri)).toEqual(["skill://release-notes/templates/minor.md"]);
  await client.close();
}

let binary: string;
let dataDir: string;
let source: string;
beforeAll(() => {
  binary = buildBinary();
  dataDir = tempDir();
  source = skillsFolder();
  const indexed = spawnSync([binary, "index", source, "--prefix", "skills/", "--data", dataDir], {
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(indexed.exitCode).toBe(0);
});
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(source, { recursive: true, force: true });
});

describe("the v2 SDK's SkillsClient", () => {
  let server: Running;
  beforeAll(async () => {
    server = await startBinary(["--data", dataDir]);
  });
  afterAll(() => server.stop());

  test("over Streamable HTTP (2026-07-28)", async () => {
    const client = new Client(info, modernOptions);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    await exercise(client);
  });

  test("the discovery index names the same SKILL.md with the same digest", async () => {
    const index = (await (
      await fetch(`${server.url}/.well-known/agent-skills/index.json`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
    ).json()) as any;
    expect(index.skills).toHaveLength(1);
    const file = await fetch(`${server.url}${index.skills[0].url}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const digest = new Bun.CryptoHasher("sha256").update(await file.text()).digest("hex");
    expect(index.skills[0].digest).toBe(`sha256:${digest}`);
  });
});

test("the v2 SDK's SkillsClient over stdio (quiver mcp)", async () => {
  const client = new Client(info, modernOptions);
  await client.connect(
    new StdioClientTransport({
      command: binary,
      args: ["mcp", "--data", dataDir],
      stderr: "ignore",
    }),
  );
  await exercise(client);
});
