import { join } from "node:path";
import { AUTH, CALL, ROOT, startQuiver, TOKEN, tempDir, treeHas } from "./quiver.ts";
import { type Server, startServer } from "./server.ts";
import { run, which } from "./tools.ts";
import type { Target } from "./wrk.ts";

/**
 * The HTTP contenders: each starts a server (pinned to the server core) and names the one
 * POST that wrk repeats. `unavailable()` says why a contender cannot run on this machine.
 */
export interface Contender {
  name: string;
  /** Key for ratios ("raw", "rest", ...). */
  key: string;
  /** Contenders with the same server key share one running server (quiver's three routes). */
  server: string;
  unavailable(): string | undefined;
  start(): Promise<Server>;
  target(server: Server): Target;
}

const JSON_AUTH = { ...AUTH, "content-type": "application/json" };
const ACCEPT = { accept: "application/json, text/event-stream" };
/** 2025-06-18: what the SDK peer speaks. */
const MCP_HEADERS = { ...JSON_AUTH, ...ACCEPT, "mcp-protocol-version": "2025-06-18" };
const MCP_CALL = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: { name: CALL.name, arguments: CALL.parameters },
});
/**
 * quiver's own MCP contender speaks 2026-07-28 (the `_meta` envelope and the Mcp-Method /
 * Mcp-Name headers it cross-checks): the newest era, and the one bench/mcp.ts measures
 * first, so both sections time the same request.
 */
const MODERN = "2026-07-28";
const MODERN_HEADERS = {
  ...JSON_AUTH,
  ...ACCEPT,
  "mcp-protocol-version": MODERN,
  "mcp-method": "tools/call",
  "mcp-name": CALL.name,
};
const MODERN_CALL = JSON.stringify({
  jsonrpc: "2.0",
  id: 1,
  method: "tools/call",
  params: {
    name: CALL.name,
    arguments: CALL.parameters,
    _meta: {
      "io.modelcontextprotocol/protocolVersion": MODERN,
      "io.modelcontextprotocol/clientCapabilities": {},
    },
  },
});

/**
 * A python3 that has Debian's starlette and uvicorn (pyenv shims may shadow /usr/bin).
 * BENCH_PYTHON names one to use ("none": act as if there is none).
 */
export function pythonWithStarlette(): string | undefined {
  if (process.env.BENCH_PYTHON === "none") return undefined;
  for (const py of [process.env.BENCH_PYTHON, "python3", "/usr/bin/python3"]) {
    if (!py || !which(py)) continue;
    if (run([which(py)!, "-c", "import starlette, uvicorn"]) !== undefined) return which(py);
  }
  return undefined;
}

export function contenders(): Contender[] {
  return [
    {
      name: "raw `Bun.serve`, same work (the limit)",
      key: "raw",
      server: "raw",
      unavailable: () => undefined,
      start: () =>
        startServer({
          name: "raw Bun.serve",
          cmd: [
            process.execPath,
            join(ROOT, "bench/peers/raw-bun-server.ts"),
            "{port}",
            tempDir("raw"),
            "same",
          ],
          env: { QUIVER_TOKEN: TOKEN },
        }),
      target: (s) => ({
        url: `${s.url}/tools/call`,
        body: JSON.stringify(CALL),
        headers: JSON_AUTH,
      }),
    },
    {
      name: "raw `Bun.serve`, bare (no validation, no checks, no headers)",
      key: "bare",
      server: "bare",
      unavailable: () => undefined,
      start: () =>
        startServer({
          name: "bare Bun.serve",
          cmd: [
            process.execPath,
            join(ROOT, "bench/peers/raw-bun-server.ts"),
            "{port}",
            tempDir("bare"),
            "bare",
          ],
          env: { QUIVER_TOKEN: TOKEN },
        }),
      target: (s) => ({
        url: `${s.url}/tools/call`,
        body: JSON.stringify(CALL),
        headers: JSON_AUTH,
      }),
    },
    {
      name: "quiver `POST /tools/call`",
      key: "rest",
      server: "quiver",
      unavailable: () => undefined,
      start: () => startQuiver(),
      target: (s) => ({
        url: `${s.url}/tools/call`,
        body: JSON.stringify(CALL),
        headers: JSON_AUTH,
      }),
    },
    {
      name: "quiver `POST /tools/list_files`",
      key: "typed",
      server: "quiver",
      unavailable: () => undefined,
      start: () => startQuiver(),
      target: (s) => ({
        url: `${s.url}/tools/${CALL.name}`,
        body: JSON.stringify(CALL.parameters),
        headers: JSON_AUTH,
      }),
    },
    {
      name: "quiver MCP `tools/call` over `/mcp` (2026-07-28)",
      key: "mcp",
      server: "quiver",
      unavailable: () =>
        treeHas("src/mcp") ? undefined : "not yet available (no src/mcp in this tree)",
      start: () => startQuiver(),
      target: (s) => ({ url: `${s.url}/mcp`, body: MODERN_CALL, headers: MODERN_HEADERS }),
    },
    {
      name: "Starlette + Uvicorn (the seed's server)",
      key: "starlette",
      server: "starlette",
      unavailable: () =>
        pythonWithStarlette()
          ? undefined
          : "unavailable: no python3 with starlette + uvicorn (bench/setup.sh installs python3-starlette python3-uvicorn)",
      start: () =>
        startServer({
          name: "starlette",
          cmd: [
            pythonWithStarlette()!,
            join(ROOT, "bench/peers/starlette_server.py"),
            "{port}",
            join(tempDir("starlette"), "files.db"),
          ],
          env: { QUIVER_TOKEN: TOKEN },
        }),
      target: (s) => ({
        url: `${s.url}/tools/call`,
        body: JSON.stringify(CALL),
        headers: JSON_AUTH,
      }),
    },
    {
      name: "MCP TypeScript SDK on Node (stateless Streamable HTTP, 2025-06-18)",
      key: "sdk",
      server: "sdk",
      unavailable: () => {
        if (!which("node")) return "unavailable: node is not installed";
        if (!treeHas("node_modules/@modelcontextprotocol/sdk"))
          return "unavailable: @modelcontextprotocol/sdk is not installed (npm install)";
        return undefined;
      },
      start: () =>
        startServer({
          name: "mcp sdk",
          cmd: [which("node")!, join(ROOT, "bench/peers/mcp-sdk-server.mjs"), "{port}"],
          env: { QUIVER_TOKEN: TOKEN },
          cwd: ROOT,
        }),
      target: (s) => ({ url: `${s.url}/mcp`, body: MCP_CALL, headers: MCP_HEADERS }),
    },
  ];
}
