import type { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Config, loadConfig } from "../../src/config.ts";
import { createHandler, type Handler } from "../../src/server/handler.ts";
import { openSqliteServices, type SqliteServices } from "../../src/services.ts";
import { openDatabase } from "../../src/store/db.ts";
import type { Caller, Scope } from "../../src/store/tokens.ts";
import type { AnyTool, Services } from "../../src/tools/define.ts";
import { callTool } from "../../src/tools/pipeline.ts";

export const STATIC_TOKEN = "test-static-token-0123456789abcdef";

export function tempDir(prefix = "quiver-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Another connection to a test server's database, for tests that inspect or nudge rows
 * directly (the services do not hand theirs out). Closed with the server.
 */
const rawDatabases = new WeakMap<TestServer, Database>();
export function rawDatabase(server: TestServer): Database {
  let db = rawDatabases.get(server);
  if (db) return db;
  const opened = openDatabase(server.config.dataDir);
  rawDatabases.set(server, (db = opened));
  const close = server.close;
  server.close = () => {
    opened.close(false);
    close();
  };
  return db;
}

export interface TestServer {
  services: SqliteServices;
  handle: Handler;
  config: Config;
  logs: Record<string, unknown>[];
  /** A secret per scope, created through the token store. */
  tokens: Record<Scope, string>;
  close(): void;
}

/** A fresh data dir, services, and the full HTTP handler (no socket). */
export function testServer(overrides: Partial<Config> = {}): TestServer {
  const dataDir = tempDir();
  // Rate limiting is off unless a test turns it on: fuzz tests send thousands of requests.
  const config = {
    ...loadConfig(
      { data: dataDir, quiet: true, "rate-limit": "0" },
      { QUIVER_TOKEN: STATIC_TOKEN },
    ),
    ...overrides,
  };
  const services = openSqliteServices(config);
  const logs: Record<string, unknown>[] = [];
  const handle = createHandler(services, { log: (f) => logs.push(f) });
  const tokens = {
    read: services.tokens.create("reader", "read").secret,
    write: services.tokens.create("writer", "write").secret,
    admin: services.tokens.create("boss", "admin").secret,
  };
  return {
    services,
    handle,
    config,
    logs,
    tokens,
    close() {
      services.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Calls tools through the pipeline, as a caller with `scope` (no transport). */
export function toolCaller(services: Services, scope: Scope = "admin") {
  const caller: Caller = { id: "test", name: "test", scope };
  return (tool: AnyTool | string, params: unknown): Promise<any> =>
    callTool(services, { name: typeof tool === "string" ? tool : tool.name, params, caller });
}

export interface Call {
  method?: string;
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One request through the handler; JSON bodies are serialised with the right type. */
export async function request(server: TestServer, path: string, call: Call = {}) {
  const headers: Record<string, string> = { ...call.headers };
  if (call.token !== null) headers.authorization ??= `Bearer ${call.token ?? STATIC_TOKEN}`;
  let body: string | Uint8Array | undefined;
  if (call.body instanceof Uint8Array || typeof call.body === "string")
    body = call.body as string | Uint8Array;
  else if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await server.handle(
    new Request(`http://localhost${path}`, {
      method: call.method ?? (body ? "POST" : "GET"),
      headers,
      body,
    }),
  );
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, text, json };
}
