// `npm run bench`: runs every section script bench/*.ts (this file aside) one after another
// in one run on this machine, concatenates their markdown, prints it and writes it with the
// machine's details to bench/results/latest.md.
//
// A section is any bench/<name>.ts that prints markdown on stdout (progress on stderr),
// accepts `--smoke` (tiny inputs, seconds not minutes) and exits 0. Adding bench/mcp.ts or
// bench/search.ts is all it takes to add a section; shared helpers are in bench/lib/.
//
// Flags: --smoke (passed to every section; writes nothing unless --out is given),
//        --only a,b (run only these sections), --out FILE (where to write the report).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawn } from "bun";
import { progress } from "./lib/args.ts";
import { writeCorpus } from "./lib/corpus.ts";
import { machineInfo } from "./lib/machine.ts";
import { ensureBinary, ROOT, tempDir } from "./lib/quiver.ts";
import { sections } from "./lib/sections.ts";

const argv = process.argv.slice(2);
const smoke = argv.includes("--smoke");
const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const only = flag("--only")?.split(",");
const out = flag("--out") ?? (smoke ? undefined : join(ROOT, "bench", "results", "latest.md"));

/**
 * How a section is told to run on tiny inputs: `--smoke`, except for sections with their own
 * flags for that (bench/search.ts takes a corpus directory and counts).
 */
function smokeArgs(name: string): string[] {
  if (name !== "search") return ["--smoke"];
  const dir = tempDir("search-smoke");
  return [
    "--corpus",
    writeCorpus(join(dir, "corpus"), 20).dir,
    "--queries",
    "5",
    "--reps",
    "3",
    "--out",
    join(dir, "search.md"),
  ];
}

/** One section in its own process. Sections pin their servers and load generators themselves. */
async function runSection(name: string): Promise<string> {
  progress(`section ${name}`);
  const proc = spawn(
    [process.execPath, join(import.meta.dir, `${name}.ts`), ...(smoke ? smokeArgs(name) : [])],
    {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
      // One scratch directory for every section's temporary data, removed once at the end
      // (see lib/scratch.ts).
      env: { ...process.env, QUIVER_BENCH_SCRATCH: "1", TMPDIR: scratch },
    },
  );
  let err = "";
  const errDone = (async () => {
    for await (const chunk of proc.stderr) {
      const text = new TextDecoder().decode(chunk);
      process.stderr.write(text);
      err = (err + text).slice(-2000);
    }
  })();
  const text = await new Response(proc.stdout).text();
  await errDone;
  const code = await proc.exited;
  // Sections sit under the report's title: a section's own title (#) moves down a level,
  // and a section without a heading gets one named after its file.
  const body = text.trim();
  if (code === 0 && body)
    return body.startsWith("# ")
      ? body.replace(/^(#+) /gm, "#$1 ")
      : body.startsWith("#")
        ? body
        : `## ${name}\n\n${body}`;
  const lastLines = err
    .trim()
    .split("\n")
    .filter((l) => !l.startsWith("[bench]"))
    .slice(-3)
    .join(" / ");
  return `## ${name}\n\nThe section failed (exit ${code}): ${lastLines || "no output"}`;
}

const scratch = mkdtempSync(join(tmpdir(), "quiver-bench-run-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
const started = Date.now();
// Before any section runs: sections may write their own result files, which would make the
// tree look modified.
const machine = machineInfo(ROOT, loadavg());
progress("building dist/quiver (npm run build)");
ensureBinary();
const wanted = sections().filter((s) => !only || only.includes(s));
const parts: string[] = [];
for (const name of wanted) parts.push(await runSection(name));

const report = `# quiver benchmarks${smoke ? " (smoke run: tiny inputs, numbers meaningless)" : ""}

${machine.join("\n")}
- sections: ${wanted.join(", ")}; took ${Math.round((Date.now() - started) / 1000)} s
- reproduce: \`bench/setup.sh\` once (wrk, Starlette, Uvicorn from Debian), then \`npm run bench\`

Absolute numbers drift between runs on this machine; the ratios are the result.

${parts.join("\n\n")}
`;
process.stdout.write(report);
if (out) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  progress(`wrote ${out}`);
}
