/*
 * The files a user's project needs to run quiver's code outside the binary (bun test):
 * bundles of "quiver", "quiver/testing" and the workers testing starts, which `npm run
 * build` writes to dist/lib/ and the compiled binary embeds as text. The workers keep the
 * names the bundled code looks for beside itself (new URL("./worker.ts", import.meta.url)).
 */

import { StartupError } from "../errors.ts";
import { QUIVER_DTS, TESTING_DTS } from "./types.ts";

export async function libraryFiles(): Promise<Record<string, string>> {
  let texts: string[];
  try {
    // Embedded as files, not as string literals: 1.5 MB of literals in the program's own
    // bundle would be loaded by every start of every command.
    const paths = await Promise.all([
      import("../../dist/lib/api.js.txt", { with: { type: "file" } }),
      import("../../dist/lib/testing.js.txt", { with: { type: "file" } }),
      import("../../dist/lib/worker.js.txt", { with: { type: "file" } }),
      import("../../dist/lib/search-worker.js.txt", { with: { type: "file" } }),
      import("../../dist/lib/prepare-worker.js.txt", { with: { type: "file" } }),
    ]);
    texts = await Promise.all(paths.map((m) => Bun.file(m.default).text()));
  } catch {
    throw new StartupError("the quiver library is not built; run `npm run build` first");
  }
  const [api, testing, worker, search, prepare] = texts;
  return {
    "quiver.js": api!,
    "quiver.d.ts": QUIVER_DTS,
    "testing.js": testing!,
    "testing.d.ts": TESTING_DTS,
    "worker.ts": worker!,
    "search-worker.ts": search!,
    "prepare-worker.ts": prepare!,
  };
}
