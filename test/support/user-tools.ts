import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Tool files a user might write: one good tool per kind of thing a tool does, and trouble. */
export const GOOD_TOOLS: Record<string, string> = {
  "word_count.ts": `import { defineTool, t } from "quiver";
export default defineTool({
  name: "word_count",
  description: "Counts the words of a stored text file. Returns {words}.",
  scope: "read",
  input: t.Object({ path: t.String() }),
  output: t.Object({ words: t.Integer() }),
  async run({ path }, ctx) {
    const text = await ctx.files.readText(path);
    return { words: text.split(/\\s+/).filter(Boolean).length };
  },
});
`,
  // A plain JSON Schema as input, no import at all.
  "echo.js": `export default {
  name: "echo_plain",
  description: "Echoes what it is told. Returns {said, caller}.",
  scope: "read",
  input: {
    type: "object",
    properties: { say: { type: "string", maxLength: 10 }, times: { type: "integer", minimum: 1, default: 1 } },
    required: ["say"],
    additionalProperties: false,
  },
  run: ({ say, times }, ctx) => ({ said: say.repeat(times), caller: ctx.caller.scope }),
};
`,
  "notes.ts": `import { defineTool, t } from "quiver";
export default defineTool({
  name: "save_note",
  description: "Stores a note under notes/. Returns {path, size}.",
  scope: "read",
  input: t.Object({ name: t.String({ pattern: "^[a-z]+$" }), text: t.String() }),
  async run({ name, text }, ctx) {
    ctx.log.info("saving a note", { name });
    return await ctx.files.writeText(\`notes/\${name}.md\`, text);
  },
});
`,
  "trouble.ts": `import { defineTool, t, ToolError } from "quiver";
export default [
  defineTool({
    name: "boom",
    description: "Always throws.",
    scope: "read",
    input: t.Object({}),
    run() {
      throw new Error("kaboom");
    },
  }),
  defineTool({
    name: "no_such_customer",
    description: "Throws a ToolError.",
    scope: "read",
    input: t.Object({}),
    run() {
      throw new ToolError("customer_not_found", "no customer 42", 404);
    },
  }),
  defineTool({
    name: "spin",
    description: "Never returns: a synchronous loop.",
    scope: "read",
    input: t.Object({}),
    run() {
      for (;;) {}
    },
  }),
  defineTool({
    name: "wait_forever",
    description: "Never returns: a promise that never settles.",
    scope: "read",
    input: t.Object({}),
    run: () => new Promise(() => {}),
  }),
  defineTool({
    name: "admin_only",
    description: "Needs an admin token.",
    scope: "admin",
    input: t.Object({}),
    run: () => ({ ok: true }),
  }),
];
`,
  // Not tool files: a test and a declaration are skipped.
  "word_count.test.ts": `throw new Error("a test file must not be loaded as a tool");\n`,
  "quiver.d.ts": `declare module "quiver" {}\n`,
};

export function writeTools(dir: string, files: Record<string, string>): string {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
