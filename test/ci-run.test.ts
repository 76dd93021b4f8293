import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { ROOT } from "./support/binary.ts";
import { tempDir } from "./support/services.ts";

// .ci/run: the closing line CI reads, and CI=true making the container test mandatory.
const work = tempDir("quiver-ci-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe(".ci/summary.sh", () => {
  test("prints passed, failed and skipped from bun's totals", () => {
    const log = join(work, "bun.log");
    writeFileSync(log, "(pass) a\n(skip) b\n\n 12 pass\n 3 skip\n 1 fail\n 40 expect() calls\n");
    const run = spawnSync(["bash", join(ROOT, ".ci/summary.sh"), log]);
    expect(run.stdout.toString()).toBe("12 passed, 1 failed, 3 skipped\n");
    writeFileSync(log, " 7 pass\n 0 fail\n");
    const none = spawnSync(["bash", join(ROOT, ".ci/summary.sh"), log]);
    expect(none.stdout.toString()).toBe("7 passed, 0 failed, 0 skipped\n");
  });
});

describe(".ci/run", () => {
  /** A copy of .ci/run in a scratch project whose podman install fails and tests pass. */
  function scratchProject(): string {
    const dir = join(work, `project-${crypto.randomUUID()}`);
    mkdirSync(join(dir, ".ci"), { recursive: true });
    for (const f of ["run", "summary.sh"]) copyFileSync(join(ROOT, ".ci", f), join(dir, ".ci", f));
    writeFileSync(join(dir, ".ci/install-podman.sh"), "#!/usr/bin/env bash\nexit 1\n");
    chmodSync(join(dir, ".ci/install-podman.sh"), 0o755);
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({
        name: "scratch",
        private: true,
        scripts: { test: "printf ' 3 pass\\n 0 fail\\n'" },
      }),
    );
    return dir;
  }
  const run = (dir: string, ci: string | undefined) =>
    spawnSync(["bash", join(dir, ".ci/run")], {
      cwd: dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...(ci ? { CI: ci } : {}) },
    });

  test("CI=true: a podman install that fails fails the run", () => {
    const result = run(scratchProject(), "true");
    const out = result.stdout.toString();
    expect(out).toContain("under CI=true the run fails");
    expect(out.trim().split("\n").at(-1)).toBe("3 passed, 0 failed, 0 skipped");
    expect(result.exitCode).toBe(1);
  });

  test("without CI: the same failure only skips the container test", () => {
    const result = run(scratchProject(), undefined);
    expect(result.stdout.toString()).toContain("the container test will say it is skipped");
    expect(result.exitCode).toBe(0);
  });
});

test("CI=true without podman: the container test fails instead of skipping", () => {
  // A PATH holding only bun, so podman is missing whatever this machine has.
  const bin = join(work, "only-bun");
  mkdirSync(bin, { recursive: true });
  symlinkSync(process.execPath, join(bin, "bun"));
  const env = { PATH: bin, HOME: process.env.HOME ?? "/root" };
  const args = [join(bin, "bun"), "test", "test/container.test.ts"];
  const required = spawnSync(args, { cwd: ROOT, env: { ...env, CI: "true" } });
  expect(required.stderr.toString()).toContain("CI=true and the container test cannot run");
  expect(required.exitCode).not.toBe(0);
  const optional = spawnSync(args, { cwd: ROOT, env });
  expect(optional.exitCode).toBe(0);
});
