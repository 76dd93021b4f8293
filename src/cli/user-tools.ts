import { resolve } from "node:path";
import { initProject, writeTypes } from "../user-tools/scaffold.ts";
import { parse, UsageError } from "./args.ts";

export const initHelp = `quiver init DIR

Writes a project for your own tools: tools/word_count.ts (an example tool), its test,
package.json, tsconfig.json and .quiver/ (what "quiver" and "quiver/testing" resolve to).
Then: cd DIR && quiver test     (or bun test, with Bun installed)
      quiver serve --tools DIR/tools`;

export const typesHelp = `quiver types [DIR]

(Re)writes DIR/.quiver/ (default: the current directory): the declarations editors read
for "quiver" and "quiver/testing", and the files bun test runs them with. Run it after
upgrading quiver.`;

export const testHelp = `quiver test [bun test options]

Refreshes ./.quiver/ and runs \`bun test\` here with the Bun inside this binary: no Bun
install needed. Options are passed to bun test.`;

export async function init(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, true);
  if (positionals.length !== 1) throw new UsageError(`init needs one directory\n\n${initHelp}`);
  const written = await initProject(resolve(positionals[0]!));
  process.stdout.write(`wrote ${written.join(", ")} in ${positionals[0]}\n`);
  return 0;
}

export async function types(argv: string[]): Promise<number> {
  const { positionals } = parse(argv, {}, true);
  if (positionals.length > 1) throw new UsageError(typesHelp);
  process.stdout.write(`wrote ${await writeTypes(resolve(positionals[0] ?? "."))}\n`);
  return 0;
}

export async function test(argv: string[]): Promise<number> {
  await writeTypes(process.cwd());
  // BUN_BE_BUN makes a compiled Bun executable act as the bun CLI itself.
  const proc = Bun.spawn([process.execPath, "test", ...argv], {
    env: { ...process.env, BUN_BE_BUN: "1" },
    stdio: ["inherit", "inherit", "inherit"],
  });
  return await proc.exited;
}
