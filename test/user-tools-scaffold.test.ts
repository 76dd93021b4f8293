import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { buildBinary } from "./support/binary.ts";
import { tempDir } from "./support/services.ts";

// `quiver init DIR` with the real binary, then the scaffold's own tests: with `quiver test`
// (the Bun inside the binary, for a user who has nothing else) and with a separate `bun test`.
let binary: string;
const work = tempDir("quiver-scaffold-");
const project = join(work, "proj");
const env = {
  PATH: `${join(import.meta.dir, "..", "node_modules", ".bin")}:/usr/bin:/bin`,
  HOME: work,
};
const run = (cmd: string[], cwd = work) => {
  const res = spawnSync(cmd, { cwd, env, stdout: "pipe", stderr: "pipe", timeout: 120_000 });
  return { code: res.exitCode, out: res.stdout.toString() + res.stderr.toString() };
};

beforeAll(() => {
  binary = buildBinary();
  const res = run([binary, "init", project]);
  expect(res.code).toBe(0);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("quiver init", () => {
  test("the scaffold's tests pass with quiver test, no Bun install needed", () => {
    // Only the binary's directory and the system on PATH: no bun to find.
    const res = spawnSync([binary, "test"], {
      cwd: project,
      env: { PATH: "/usr/bin:/bin", HOME: work },
      stdout: "pipe",
      stderr: "pipe",
      timeout: 120_000,
    });
    const out = res.stdout.toString() + res.stderr.toString();
    expect(out).toContain("2 pass");
    expect(out).toContain("0 fail");
    expect(res.exitCode).toBe(0);
  });

  test("and with bun test, which finds quiver/testing through tsconfig paths", () => {
    const res = run(["bun", "test"], project);
    expect(res.out).toContain("2 pass");
    expect(res.code).toBe(0);
  });

  test("a failing tool fails the user's test run", () => {
    const tool = join(project, "tools", "word_count.ts");
    const good = readFileSync(tool, "utf8");
    writeFileSync(tool, good.replace(".filter(Boolean).length", ".filter(Boolean).length + 1"));
    try {
      const res = run([binary, "test"], project);
      expect(res.out).toContain("1 fail");
      expect(res.code).not.toBe(0);
    } finally {
      writeFileSync(tool, good);
    }
  });

  test("the same tools directory serves: quiver tools --tools lists the example", () => {
    const res = run([binary, "tools", "--tools", join(project, "tools")]);
    expect(res.out).toMatch(/^word_count\s+\[read\]/m);
  });

  test("types check with tsc: parameter types are inferred from t.Object", () => {
    writeFileSync(
      join(project, "tools", "typed.ts"),
      `import { defineTool, t } from "quiver";
export default defineTool({
  name: "typed",
  description: "d",
  scope: "read",
  input: t.Object({ n: t.Integer(), s: t.Optional(t.String()) }),
  run({ n, s }) {
    const sum: number = n + 1;
    // @ts-expect-error s may be undefined
    const text: string = s;
    return { sum, text };
  },
});
`,
    );
    try {
      const res = run(["tsc", "-p", project, "--noEmit", "--types", ""]);
      // bun:test's own types come with @types/bun, which the scaffold does not install.
      const ours = res.out.split("\n").filter((l) => l.includes("tools/"));
      expect(ours).toEqual([]);
    } finally {
      rmSync(join(project, "tools", "typed.ts"));
    }
  });

  test("init refuses to overwrite a project", () => {
    const res = run([binary, "init", project]);
    expect(res.code).toBe(1);
    expect(res.out).toContain("already has tools/word_count.ts");
  });
});
