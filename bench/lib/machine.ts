import { cpus, totalmem } from "node:os";
import { readFileSync } from "node:fs";
import { run } from "./tools.ts";

/** What the numbers were measured on: absolute figures only mean something next to this. */
export function machineInfo(root: string): string[] {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const kernel = run(["uname", "-sr"]) ?? "unknown kernel";
  const os = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(safeRead("/etc/os-release"))?.[1] ?? "unknown OS";
  const commit = run(["git", "rev-parse", "--short", "HEAD"], { cwd: root }) ?? "unknown";
  const dirty = run(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: root }) ? " (uncommitted changes)" : "";
  return [
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, "Z")}`,
    `- machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; ${os}; ${kernel}`,
    `- quiver commit: ${commit}${dirty}; Bun ${Bun.version}; Node ${run(["node", "--version"]) ?? "not installed"}`,
    `- wrk: ${run(["sh", "-c", "wrk -v 2>&1 | head -1"])?.split("\n")[0] || "not installed"}`,
  ];
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
