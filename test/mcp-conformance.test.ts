import { afterAll, beforeAll, expect, test } from "bun:test";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type Server, spawn } from "bun";
import { ROOT, type Running, startBinary, TOKEN, tempDir } from "./mcp-support.ts";

// The official conformance suite (@modelcontextprotocol/conformance, pinned) against the
// binary: the scenarios that apply to a real server. The others need the suite's own
// fixture tools, prompts and resources (test_simple_text, test://static-text, …), server
// requests (sampling, elicitation), or a session (resources/subscribe and the GET
// streams over HTTP — /mcp is sessionless); the README lists them. The suite sends no
// token, so a loopback proxy in front adds one and forwards everything else unchanged
// (Host and Origin included: dns-rebinding-protection must still reach quiver's checks).

const APPLICABLE = [
  "server-initialize",
  "ping",
  "logging-set-level",
  "tools-list",
  "resources-list",
  "dns-rebinding-protection",
];
const SUITE = join(
  ROOT,
  "node_modules",
  "@modelcontextprotocol",
  "conformance",
  "dist",
  "index.js",
);

let server: Running;
let proxy: Server<undefined>;
beforeAll(async () => {
  server = await startBinary();
  proxy = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.set("authorization", `Bearer ${TOKEN}`);
      const answer = await fetch(new URL(url.pathname + url.search, server.url), {
        method: request.method,
        headers,
        body: request.body,
        redirect: "manual",
      });
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    },
  });
});
afterAll(async () => {
  proxy.stop(true);
  await server.stop();
});

test.each(APPLICABLE)("conformance scenario %s passes", async (scenario) => {
  const out = tempDir("quiver-conformance-");
  try {
    // The suite needs Node 22's fs.globSync; Bun runs it.
    const run = spawn(
      [
        process.execPath,
        SUITE,
        "server",
        "--url",
        `http://127.0.0.1:${proxy.port}/mcp`,
        "--scenario",
        scenario,
        "-o",
        out,
      ],
      { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1" } },
    );
    const log = await new Response(run.stdout).text();
    await run.exited;
    const [dir] = readdirSync(out);
    const checks = JSON.parse(readFileSync(join(out, dir!, "checks.json"), "utf8")) as {
      id: string;
      status: string;
      errorMessage?: string;
    }[];
    const failed = checks.filter((c) => c.status === "FAILURE");
    expect(failed.map((c) => `${c.id}: ${c.errorMessage}`)).toEqual([]);
    expect(checks.filter((c) => c.status === "SUCCESS").length).toBeGreaterThan(0);
    expect(log).not.toContain("FAILURE");
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
