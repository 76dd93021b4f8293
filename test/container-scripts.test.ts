import { afterAll, expect, test } from "bun:test";
import { chmodSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import { ROOT } from "./support/binary.ts";
import { tempDir } from "./support/services.ts";

// The container test's helper scripts, without podman. Issue 12: 5 of 535 runs failed
// with "standin-bases.sh failed:" and an empty stderr, on a loaded machine: the libgcc
// lookup piped ldconfig into an awk that exited at the first match, so ldconfig died of
// SIGPIPE whenever it had more to write, and pipefail + set -e ended the script silently.
const work = tempDir("quiver-scripts-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

test("the libgcc lookup survives an ldconfig that writes long after the match", () => {
  // A stand-in ldconfig: the match first, then 1 MiB more (far past a pipe's buffer),
  // so an early-exiting reader makes it die of SIGPIPE every time, not 1 run in 100.
  const bin = join(work, "bin");
  spawnSync(["mkdir", "-p", bin]);
  writeFileSync(
    join(bin, "ldconfig"),
    `#!/usr/bin/env bash
echo "	libgcc_s.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libgcc_s.so.1"
head -c 1048576 /dev/zero | tr '\\0' 'x' | fold -w 100
echo
`,
  );
  chmodSync(join(bin, "ldconfig"), 0o755);
  const run = spawnSync(["bash", join(ROOT, "test/container/find-libgcc.sh")], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  expect({ exit: run.exitCode, out: run.stdout.toString() }).toEqual({
    exit: 0,
    out: "/lib/x86_64-linux-gnu/libgcc_s.so.1\n",
  });
});
