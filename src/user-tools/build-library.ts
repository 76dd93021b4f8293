// `npm run build`'s first step (package.json "prebuild"; the Dockerfile runs it too): the
// bundles `quiver init` / `quiver types` write into a user's project (library.ts), as text
// files in dist/lib/ that the compiled binary embeds. No shell needed: `bun <this file>`.
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const result = await Bun.build({
  entrypoints: [
    "src/user-tools/api.ts",
    "src/user-tools/testing.ts",
    "src/user-tools/worker.ts",
    "src/store/search-worker.ts",
    "src/importer/prepare-worker.ts",
  ].map((p) => join(ROOT, p)),
  target: "bun",
  outdir: join(ROOT, "dist", "lib"),
  naming: "[name].js.txt",
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
