import { afterAll, expect, test } from "bun:test";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { tempDir } from "./support/services.ts";

// standin-bases.sh runs under `set -euo pipefail`. A reader that stops early (`awk …
// {exit}`) kills the writer with SIGPIPE, and pipefail made the script exit 141 with an
// empty stderr — the intermittent "standin-bases.sh failed:" of the container test. Here
// `ldconfig` writes far more than a pipe holds, after the line awk wants, so an early
// exit would always hit it; `podman` answers that the images exist, so nothing is built.
const ROOT = join(import.meta.dir, "..");
const bin = tempDir("quiver-standin-bin-");
afterAll(() => rmSync(bin, { recursive: true, force: true }));
const fake = (name: string, script: string) => {
  writeFileSync(join(bin, name), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, name), 0o755);
};
fake(
  "ldconfig",
  `echo '\tlibgcc_s.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libgcc_s.so.1'
i=0; while [ $i -lt 5000 ]; do echo "\tlibfake$i.so (libc6,x86-64) => /nonexistent/libfake$i.so"; i=$((i+1)); done`,
);
fake("podman", 'case "$1 $2" in "image exists") exit 0;; esac; exit 0');

test("standin-bases.sh survives a long ldconfig listing (no SIGPIPE exit under pipefail)", () => {
  const res = spawnSync(["bash", join(ROOT, "test/container/standin-bases.sh")], {
    env: { PATH: `${bin}:${process.env.PATH}` },
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(res.stderr.toString()).toBe("");
  expect(res.exitCode).toBe(0);
  expect(res.stdout.toString()).toMatch(
    /^BUN_IMAGE=localhost\/quiver-standin-bun:\w+\nRUNTIME_IMAGE=localhost\/quiver-standin-runtime:\w+\n$/,
  );
});
