/*
 * `quiver init DIR` and `quiver types [DIR]`: a project for one's own tools that `bun test`
 * (or `quiver test`, for whoever has only the binary) passes out of the box. "quiver" and
 * "quiver/testing" resolve through tsconfig.json paths to .quiver/, for Bun and editors
 * alike; `quiver serve --tools DIR/tools` serves the same files.
 */

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { StartupError } from "../errors.ts";
import { libraryFiles } from "./library.ts";

export const SUPPORT_DIR = ".quiver";

const EXAMPLE_TOOL = `import { defineTool, t } from "quiver";

export default defineTool({
  name: "word_count",
  description: "Counts the words of a stored text file. Returns {words}.",
  scope: "read",
  input: t.Object({ path: t.String({ description: "e.g. notes/todo.md" }) }),
  async run({ path }, ctx) {
    const text = await ctx.files.readText(path);
    return { words: text.split(/\\s+/).filter(Boolean).length };
  },
});
`;

const EXAMPLE_TEST = `import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { testServer } from "quiver/testing";

const server = await testServer({ tools: join(import.meta.dir, "..", "tools") });
afterAll(() => server.close());

test("word_count counts the words of a stored file", async () => {
  await server.call("write_file", { path: "notes/a.md", content: "one two  three" });
  expect(await server.call("word_count", { path: "notes/a.md" })).toEqual({ words: 3 });
});

test("a missing file is a 404 the caller sees", async () => {
  await expect(server.call("word_count", { path: "nope.md" }, { scope: "read" })).rejects.toMatchObject({
    status: 404,
    code: "file_not_found",
  });
});
`;

const PACKAGE_JSON = {
  name: "my-quiver-tools",
  private: true,
  type: "module",
  scripts: { test: "quiver test", serve: "quiver serve --tools tools" },
};

const TSCONFIG = {
  compilerOptions: {
    target: "ESNext",
    module: "Preserve",
    moduleResolution: "bundler",
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    // No extension: tsc finds the .d.ts, Bun the .js.
    paths: {
      quiver: [`./${SUPPORT_DIR}/quiver`],
      "quiver/testing": [`./${SUPPORT_DIR}/testing`],
    },
  },
  include: ["tools", "test"],
};

/** Writes the example project; refuses to overwrite any file that is already there. */
export async function initProject(dir: string): Promise<string[]> {
  const files: Record<string, string> = {
    "tools/word_count.ts": EXAMPLE_TOOL,
    "test/word_count.test.ts": EXAMPLE_TEST,
    "package.json": `${JSON.stringify(PACKAGE_JSON, null, 2)}\n`,
    "tsconfig.json": `${JSON.stringify(TSCONFIG, null, 2)}\n`,
    ".gitignore": `${SUPPORT_DIR}/\n`,
  };
  const taken = Object.keys(files).filter((f) => existsSync(join(dir, f)));
  if (taken.length)
    throw new StartupError(
      `${dir} already has ${taken.join(", ")}; quiver init writes only new files`,
    );
  const support = await libraryFiles();
  for (const [name, text] of Object.entries(files)) write(join(dir, name), text);
  writeSupport(dir, support);
  return [...Object.keys(files), `${SUPPORT_DIR}/`];
}

/** (Re)writes DIR/.quiver/: the runtime files and their declarations. */
export async function writeTypes(dir: string): Promise<string> {
  writeSupport(dir, await libraryFiles());
  return join(dir, SUPPORT_DIR);
}

function writeSupport(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) write(join(dir, SUPPORT_DIR, name), text);
}

function write(path: string, text: string): void {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
}
