import { existsSync } from "node:fs";

// Defined (as `true`) only by `npm run build:test`, which compiles dist/quiver-test with
// `--define QUIVER_TEST_BUILD=true`. The release build (`npm run build`, the image) and
// `bun src/main.ts` leave the name undefined.
declare const QUIVER_TEST_BUILD: boolean | undefined;

/**
 * Whether this is the test build. Test-only hooks check it, so in a release binary they
 * are dead code: no flag, environment variable or request can reach them there. (An
 * environment variable alone would be one typo away from an operator's config.)
 */
export const TEST_BUILD: boolean =
  typeof QUIVER_TEST_BUILD !== "undefined" && QUIVER_TEST_BUILD === true;

/**
 * Test build only (QUIVER_TEST_HOLD_JOBS, read into Config.testHoldJobsFile): while
 * `file` exists, an import waits at the checkpoint after each committed batch, so a test
 * can kill, stop or cancel a job that is provably mid-way, however fast the machine. The
 * lease is still renewed meanwhile, and a cancel or shutdown ends the wait through the
 * job's signal, as it would end any work between checkpoints.
 */
export async function holdForTests(file: string | undefined, signal: AbortSignal): Promise<void> {
  if (!TEST_BUILD || file === undefined) return;
  while (existsSync(file)) {
    signal.throwIfAborted();
    await Bun.sleep(20);
  }
}
