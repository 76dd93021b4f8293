import { expect, test } from "bun:test";
import { join } from "node:path";
import { spawn } from "bun";

// The soak runs for 10 minutes (`npm run soak`); its --smoke form runs 15 seconds so the
// script cannot rot, and must already show zero 5xx and zero lost writes.
test("bench/soak/soak.ts --smoke runs mixed load and verifies every acknowledged write", async () => {
  const root = join(import.meta.dir, "..");
  const proc = spawn([process.execPath, "bench/soak/soak.ts", "--smoke"], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH}` },
  });
  const out = await new Response(proc.stdout).text();
  const code = await proc.exited;
  expect(code, await new Response(proc.stderr).text()).toBe(0);
  expect(out).toContain("## Soak");
  expect(out).toMatch(/\| 5xx responses \| 0 \| 0 \| met \|/);
  expect(out).toMatch(
    /\| acknowledged writes lost or wrong after the run \| 0 of [1-9]\d* \| 0 \| met \|/,
  );
  // The RSS series, one figure a minute, and the second half's growth.
  expect(out).toMatch(
    /Server RSS over the run \(MiB[^)]*\): \d+(, \d+)*; over the second half alone: -?\d+\.\d %/,
  );
}, 120_000);
