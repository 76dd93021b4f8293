import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { Client as LegacyClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as LegacyStdio } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";
import { buildBinary, MODERN, type Running, startBinary, TOKEN, tempDir } from "./mcp-support.ts";

// The official SDK clients hear that a file changed: v2 through subscriptions/listen
// (2026-07-28, HTTP and stdio), v1 and v2 through resources/subscribe (2025, stdio).
// Against the compiled binary, so an import_path job — run by the worker process — is
// heard too (the worker relays its changes to the server).

const info = { name: "quiver-notify", version: "1.0.0" };
const modernOptions = { versionNegotiation: { mode: { pin: MODERN } } } as any;
const URI = "quiver://files/watched/n%C3%B6te.md";

async function until<T>(check: () => T | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

const writeWatched = (client: any, content: string) =>
  client.callTool({ name: "write_file", arguments: { path: "watched/nöte.md", content } });

/** v2 on 2026-07-28: listen, write, hear the update; close ends it. */
async function modernHearsUpdate(client: Client) {
  const updates: string[] = [];
  client.setNotificationHandler("notifications/resources/updated", (n: any) => {
    updates.push(n.params.uri);
  });
  const subscription = await client.listen({ resourceSubscriptions: [URI] });
  expect(subscription.honoredFilter.resourceSubscriptions).toEqual([URI]);
  await writeWatched(client, `modern ${Date.now()}`);
  await until(() => updates.includes(URI), "notifications/resources/updated");
  await subscription.close();
  expect(await subscription.closed).toBe("local");
}

/** 2025 over stdio: resources/subscribe, write, hear the update (both SDKs). */
async function legacyHearsUpdate(
  client: { subscribeResource(p: { uri: string }): Promise<unknown> },
  on: (kind: "updated" | "list", handler: (n: any) => void) => void,
) {
  const updates: string[] = [];
  let listChanged = 0;
  on("updated", (n) => updates.push(n.params.uri));
  on("list", () => listChanged++);
  await client.subscribeResource({ uri: URI });
  await writeWatched(client, `legacy ${Date.now()}`);
  await until(() => updates.includes(URI) && listChanged > 0, "updated and list_changed");
}

describe("over Streamable HTTP", () => {
  let server: Running;
  let url: URL;
  const importDir = tempDir("quiver-notify-import-");
  const requestInit = { headers: { authorization: `Bearer ${TOKEN}` } };
  beforeAll(async () => {
    mkdirSync(join(importDir, "docs"), { recursive: true });
    writeFileSync(join(importDir, "docs", "imported.md"), "# Imported\n");
    server = await startBinary(["--import-root", importDir]);
    url = new URL(`${server.url}/mcp`);
  });
  afterAll(async () => {
    await server.stop();
    rmSync(importDir, { recursive: true, force: true });
  });

  test("v2 client, 2026-07-28: subscriptions/listen hears a write", async () => {
    const client = new Client(info, modernOptions);
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit }));
    await modernHearsUpdate(client);
    await client.close();
  });

  test("v2 client, 2026-07-28: an import_path job (run by the worker) is heard", async () => {
    const client = new Client(info, modernOptions);
    await client.connect(new StreamableHTTPClientTransport(url, { requestInit }));
    const imported = "quiver://files/imp/docs/imported.md";
    const updates: string[] = [];
    let listChanged = 0;
    client.setNotificationHandler("notifications/resources/updated", (n: any) => {
      updates.push(n.params.uri);
    });
    client.setNotificationHandler("notifications/resources/list_changed", () => {
      listChanged++;
    });
    const subscription = await client.listen({
      resourcesListChanged: true,
      resourceSubscriptions: [imported],
    });
    const started = await client.callTool({
      name: "import_path",
      arguments: { path: importDir, prefix: "imp/" },
    });
    expect(started.isError).toBeUndefined();
    await until(() => updates.includes(imported) && listChanged > 0, "the import's notifications");
    await subscription.close();
    await client.close();
  });

  test("a 2025 client over HTTP is told there are no notifications (capabilities)", async () => {
    const client = new LegacyClient(info);
    const { StreamableHTTPClientTransport: LegacyHttp } = await import(
      "@modelcontextprotocol/sdk/client/streamableHttp.js"
    );
    await client.connect(new LegacyHttp(url, { requestInit }));
    expect(client.getServerCapabilities()?.resources).toEqual({
      subscribe: false,
      listChanged: false,
    });
    await client.close();
  });
});

describe("over stdio (quiver mcp)", () => {
  let binary: string;
  const dataDir = tempDir();
  beforeAll(() => {
    binary = buildBinary();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const params = () => ({
    command: binary,
    args: ["mcp", "--data", dataDir],
    stderr: "ignore" as const,
  });

  test("v2 client, 2026-07-28: subscriptions/listen", async () => {
    const client = new Client(info, modernOptions);
    await client.connect(new StdioClientTransport(params()));
    await modernHearsUpdate(client);
    await client.close();
  });

  test("v2 client, 2025-11-25: resources/subscribe", async () => {
    const client = new Client(info);
    await client.connect(new StdioClientTransport(params()));
    expect(client.getServerCapabilities()?.resources).toEqual({
      subscribe: true,
      listChanged: true,
    });
    await legacyHearsUpdate(client, (kind, handler) =>
      client.setNotificationHandler(
        kind === "updated"
          ? "notifications/resources/updated"
          : "notifications/resources/list_changed",
        handler,
      ),
    );
    await client.close();
  });

  test("v1 SDK client: resources/subscribe", async () => {
    const client = new LegacyClient(info);
    await client.connect(new LegacyStdio(params()));
    await legacyHearsUpdate(client, (kind, handler) =>
      client.setNotificationHandler(
        kind === "updated"
          ? ResourceUpdatedNotificationSchema
          : ResourceListChangedNotificationSchema,
        handler,
      ),
    );
    await client.close();
  });
});
