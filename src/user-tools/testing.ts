/*
 * `import { testServer } from "quiver/testing"`: quiver in a user's own `bun test` suite.
 * The real HTTP handler in-process (no port), a fresh data directory, a token per scope,
 * and the user's tools loaded as `quiver serve --tools` loads them (same worker, same
 * pipeline). Bundled into .quiver/testing.js by `quiver init` / `quiver types`.
 */

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadConfig } from "../config.ts";
import { createHandler } from "../server/handler.ts";
import { openSqliteServices } from "../services.ts";
import type { Scope } from "../store/tokens.ts";
import { UserToolsRuntime } from "./runtime.ts";

export interface TestServerOptions {
  /** Tool directories, as `--tools` (absolute, or relative to the working directory). */
  tools?: string | string[];
  /** Declarative tools, as `--tools-config`. */
  toolsConfig?: string;
  /** Seconds before a call answers 504 (default 10). */
  toolTimeout?: number;
}

/** A failed call: the HTTP status and the `{"error": {code, message}}` the server answered. */
export class CallError extends Error {
  override name = "CallError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${status} ${code}: ${message}`);
  }
}

export interface TestServer {
  /** A token secret per scope. */
  tokens: Record<Scope, string>;
  /** Calls a tool through POST /tools/<name>; resolves its result, rejects with a CallError. */
  // biome-ignore lint/suspicious/noExplicitAny: a test reads whatever shape its tool returns
  call(name: string, params?: unknown, opts?: { scope?: Scope }): Promise<any>;
  /** Any request through the same handler, e.g. request("/tools") (admin token unless given). */
  request(path: string, init?: RequestInit & { scope?: Scope }): Promise<Response>;
  /** Reloads the tools, as SIGHUP does. */
  reload(): Promise<boolean>;
  close(): void;
}

export async function testServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "quiver-test-"));
  const config = loadConfig(
    {
      data: dataDir,
      quiet: true,
      "rate-limit": "0",
      "tool-timeout": String(opts.toolTimeout ?? 10),
      tools: [opts.tools ?? []].flat().map((d) => resolve(d)),
      ...(opts.toolsConfig ? { "tools-config": resolve(opts.toolsConfig) } : {}),
    },
    {},
  );
  const services = openSqliteServices(config);
  let runtime: UserToolsRuntime | undefined;
  try {
    runtime = await UserToolsRuntime.start(
      services,
      {
        dirs: config.toolDirs,
        configFile: config.toolsConfig,
      },
      { quiet: true },
    );
  } catch (err) {
    services.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const handle = createHandler(services, { log: () => {} });
  const tokens = {
    read: services.tokens.create("test-read", "read").secret,
    write: services.tokens.create("test-write", "write").secret,
    admin: services.tokens.create("test-admin", "admin").secret,
  };
  const request = (path: string, init: RequestInit & { scope?: Scope } = {}) => {
    const { scope = "admin", ...rest } = init;
    const headers = new Headers(rest.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${tokens[scope]}`);
    return handle(new Request(`http://localhost${path}`, { ...rest, headers }));
  };
  return {
    tokens,
    request,
    async call(name, params = {}, callOpts = {}) {
      const res = await request(`/tools/${encodeURIComponent(name)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(params),
        scope: callOpts.scope,
      });
      const text = await res.text();
      const body = text ? JSON.parse(text) : null;
      if (res.ok) return body;
      throw new CallError(res.status, body?.error?.code ?? "unknown", body?.error?.message ?? text);
    },
    reload: () => runtime?.reload() ?? Promise.resolve(true),
    close() {
      runtime?.close();
      services.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
