import { readFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { pythonWithStarlette } from "./contenders.ts";
import { run } from "./tools.ts";
import { wrkPath } from "./wrk.ts";

/** What the numbers were measured on: absolute figures only mean something next to this. */
export function machineInfo(root: string, loadAtStart: number[] = loadavg()): string[] {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const kernel = run(["uname", "-sr"]) ?? "unknown kernel";
  const os = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(safeRead("/etc/os-release"))?.[1] ?? "unknown OS";
  const commit = run(["git", "rev-parse", "--short", "HEAD"], { cwd: root }) ?? "unknown";
  const dirty = run(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: root })
    ? " (uncommitted changes)"
    : "";
  return [
    `- started: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
    `- machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; ${os}; ${kernel}`,
    `- quiver commit: ${commit}${dirty}; Bun ${Bun.version}; Node ${run(["node", "--version"]) ?? "not installed"}`,
    `- wrk: ${wrkPath() ? (run(["sh", "-c", `"${wrkPath()}" -v 2>&1 | head -1`]) ?? "").replace(/ Copyright.*/, "") : "not installed"}`,
    `- peers: ${peers()}`,
    `- load average when the run started: ${loadAtStart.map((l) => l.toFixed(2)).join(", ")} (other work on the machine skews absolute numbers)`,
  ];
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function peers(): string {
  const py = pythonWithStarlette();
  const versions =
    py &&
    run([
      py,
      "-c",
      "import sys, starlette, uvicorn; print(sys.version.split()[0], starlette.__version__, uvicorn.__version__)",
    ]);
  const [pyv, st, uv] = versions ? versions.split(" ") : [];
  const python = versions
    ? `Python ${pyv}, Starlette ${st}, Uvicorn ${uv}`
    : "no python3 with Starlette + Uvicorn";
  let sdk = "not installed";
  try {
    sdk = JSON.parse(
      safeRead(join(import.meta.dir, "../../node_modules/@modelcontextprotocol/sdk/package.json")),
    ).version;
  } catch {}
  return `${python}; @modelcontextprotocol/sdk ${sdk}`;
}
