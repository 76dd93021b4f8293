import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import type { Change } from "../src/changes.ts";
import { validateParameters } from "../src/tools/validate.ts";
import { fromJsonSchema, inputSchema } from "../src/user-tools/json-schema.ts";
import { UserToolsRuntime } from "../src/user-tools/runtime.ts";
import { request, tempDir, testServer } from "./support/services.ts";
import { GOOD_TOOLS, writeTools } from "./support/user-tools.ts";

// User tools in-process (the worker runs from source): the registry swap on reload, and
// the JSON Schema → TypeBox conversion the pipeline validates with.
const server = testServer();
const dir = writeTools(tempDir("quiver-ut-"), GOOD_TOOLS);
afterAll(() => {
  runtime?.close();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});
let runtime: UserToolsRuntime | undefined;

describe("the registry the pipeline reads", () => {
  test("nothing loads without --tools: the built-in registry stays", async () => {
    const before = server.services.tools;
    expect(await UserToolsRuntime.start(server.services, { dirs: [] })).toBeUndefined();
    expect(server.services.tools).toBe(before);
  });

  test("a reload swaps it without a restart and emits {kind: tools}", async () => {
    runtime = await UserToolsRuntime.start(server.services, { dirs: [dir] });
    const changes: Change[] = [];
    const unsubscribe = server.services.changes.subscribe((c) => changes.push(c));
    const list = async () =>
      (await request(server, "/tools")).json.tools.map((t: { name: string }) => t.name);
    expect(await list()).toContain("echo_plain");
    expect(await list()).not.toContain("fresh");

    writeFileSync(
      join(dir, "fresh.js"),
      `export default { name: "fresh", description: "New.", scope: "read", input: { type: "object" }, run: () => ({ fresh: true }) };\n`,
    );
    expect(await runtime!.reload()).toBe(true);
    expect(changes).toEqual([{ kind: "tools" }]);
    expect(await list()).toContain("fresh");
    const res = await request(server, "/tools/fresh", { body: {} });
    expect(res.json).toEqual({ fresh: true });

    // A reload that fails changes nothing and tells nobody.
    writeFileSync(join(dir, "fresh.js"), "export default {\n");
    expect(await runtime!.reload()).toBe(false);
    expect(changes).toHaveLength(1);
    expect(await list()).toContain("fresh");
    rmSync(join(dir, "fresh.js"));
    unsubscribe();
  });
});

describe("results that are not objects", () => {
  test("REST answers every result as JSON: a string, a number, null, an array", async () => {
    const plain = writeTools(tempDir("quiver-ut-plain-"), {
      "plain.js": `const tool = (name, value) => ({ name, description: "Returns a " + name + ".", scope: "read", input: { type: "object" }, run: () => value });
export default [tool("a_string", "hi there"), tool("a_number", 42), tool("a_null", null), tool("an_array", [1, "two"])];
`,
    });
    const own = await UserToolsRuntime.start(server.services, { dirs: [plain] });
    try {
      for (const [name, value] of [
        ["a_string", "hi there"],
        ["a_number", 42],
        ["a_null", null],
        ["an_array", [1, "two"]],
      ] as const) {
        for (const res of [
          await request(server, `/tools/${name}`, { body: {} }),
          await request(server, "/tools/call", { body: { name, parameters: {} } }),
        ]) {
          expect(res.status).toBe(200);
          expect(res.headers.get("content-type")).toStartWith("application/json");
          expect(res.json).toEqual(value);
        }
      }
    } finally {
      own!.close();
      rmSync(plain, { recursive: true, force: true });
    }
  });
});

describe("JSON Schema inputs", () => {
  const tool = (input: unknown) =>
    ({ name: "x", input: inputSchema(input, "x") }) as Parameters<typeof validateParameters>[0];

  test("a TypeBox schema that lost its symbols validates like the original", () => {
    const original = Type.Object(
      {
        path: Type.String({ minLength: 1 }),
        mode: Type.Optional(Type.Union([Type.Literal("a"), Type.Literal("b")])),
        tags: Type.Optional(Type.Array(Type.String(), { maxItems: 2 })),
        meta: Type.Optional(Type.Record(Type.String(), Type.Number())),
      },
      { additionalProperties: false },
    );
    const rebuilt = tool(JSON.parse(JSON.stringify(original)));
    expect(
      validateParameters(rebuilt, { path: "p", mode: "a", tags: ["x"], meta: { n: 1 } }),
    ).toEqual({
      path: "p",
      mode: "a",
      tags: ["x"],
      meta: { n: 1 },
    });
    for (const bad of [
      {},
      { path: "" },
      { path: "p", mode: "c" },
      { path: "p", tags: ["1", "2", "3"] },
      { path: "p", extra: 1 },
      { path: "p", meta: { n: "1" } },
    ])
      expect(() => validateParameters(rebuilt, bad)).toThrow();
  });

  test("enum, const, type lists and nested objects", () => {
    const t = tool({
      type: "object",
      properties: {
        color: { enum: ["red", "green"] },
        kind: { const: "k" },
        n: { type: ["integer", "null"] },
        deep: { type: "object", properties: { a: { type: "boolean" } }, required: ["a"] },
      },
      required: ["color"],
    });
    expect(
      validateParameters(t, { color: "red", kind: "k", n: null, deep: { a: true } }),
    ).toBeTruthy();
    expect(() => validateParameters(t, { color: "blue" })).toThrow("parameters.color");
    expect(() => validateParameters(t, { color: "red", n: 1.5 })).toThrow();
    expect(() => validateParameters(t, { color: "red", deep: {} })).toThrow("parameters.deep.a");
  });

  test("what cannot be enforced is refused, not ignored", () => {
    expect(() => inputSchema({ type: "string" }, "x input")).toThrow(
      "input must be an object schema",
    );
    expect(() => fromJsonSchema({ $ref: "#/defs/a" }, "x")).toThrow(
      'keyword "$ref" is not supported',
    );
    expect(() => fromJsonSchema({ type: "date" }, "x")).toThrow("unknown type");
    let deep: object = { type: "string" };
    for (let i = 0; i < 40; i++) deep = { type: "array", items: deep };
    expect(() => fromJsonSchema(deep, "x")).toThrow("nested deeper");
  });
});

describe("--watch", () => {
  test("a new file in a watched directory is served without a signal", async () => {
    const watched = testServer();
    const wdir = writeTools(tempDir("quiver-watch-"), { "echo.js": GOOD_TOOLS["echo.js"]! });
    const live = await UserToolsRuntime.start(watched.services, { dirs: [wdir] }, { quiet: true });
    try {
      live!.watch();
      writeFileSync(
        join(wdir, "watched.js"),
        `export default { name: "watched", description: "New.", scope: "read", input: { type: "object" }, run: () => ({ w: 1 }) };\n`,
      );
      const deadline = Date.now() + 10_000;
      while (!watched.services.tools.names.includes("watched") && Date.now() < deadline)
        await Bun.sleep(20);
      expect((await request(watched, "/tools/watched", { body: {} })).json).toEqual({ w: 1 });
    } finally {
      live?.close();
      watched.close();
      rmSync(wdir, { recursive: true, force: true });
    }
  });
});
