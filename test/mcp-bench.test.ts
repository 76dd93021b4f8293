import { expect, test } from "bun:test";
import { join } from "node:path";
import { spawnSync } from "bun";
import { ROOT } from "./mcp-support.ts";

// The benchmark itself runs by hand (bun bench/mcp.ts); this checks it still starts,
// drives both endpoints and prints its table.
test("bench/mcp.ts --smoke prints the ratio table", () => {
  const res = spawnSync([process.execPath, join(ROOT, "bench", "mcp.ts"), "--smoke"], {
    cwd: ROOT,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` },
  });
  const out = res.stdout.toString();
  expect(res.exitCode, res.stderr.toString()).toBe(0);
  expect(out).toContain("| POST /tools/call |");
  expect(out).toMatch(
    /\| MCP tools\/call \(2026-07-28\) \| \d+ \| [\d.]+ µs \| [\d.]+× \| [\d.]+× \|/,
  );
  expect(out).toContain("| POST /tools/read_file |");
  expect(out).toMatch(
    /\| MCP resources\/read \(2026-07-28\) \| \d+ \| [\d.]+ µs \| [\d.]+× \| [\d.]+× \|/,
  );
  expect(out).toMatch(
    /\| MCP completion\/complete \(2026-07-28\) \| \d+ \| [\d.]+ µs \| [\d.]+× \| [\d.]+× \|/,
  );
}, 60_000);
