import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Change } from "../src/changes.ts";
import { ChangeFeed } from "../src/changes.ts";
import { importTree } from "../src/importer/import-tree.ts";
import { emitRelayed, RELAY_MAX, relayChanges } from "../src/jobs/change-relay.ts";
import { hubFor, LISTEN_LIMITS } from "../src/mcp/listeners.ts";
import { fileUri } from "../src/mcp/resource-uri.ts";
import { serveStdio } from "../src/mcp/stdio.ts";
import { ENVELOPE, mcpRequest } from "./mcp-support.ts";
import { type TestServer, tempDir, testServer, toolCaller } from "./support/services.ts";

// Change notifications: the store announces writes, deletes and imports once
// (FileStore.onChange → services.changes); MCP turns them into subscriptions/listen
// events (2026-07-28, stdio and HTTP) and 2025 stdio sessions' notifications.

const SUB = "io.modelcontextprotocol/subscriptionId";

/** Resolves when `check` holds (polled); fails the test with `what` after 10 s. */
async function until<T>(check: () => T | undefined | false, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** An in-process stdio session: send lines, read what came back. */
function stdio(server: TestServer) {
  const out: any[] = [];
  let input!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (input = c) });
  const done = serveStdio(server.services, {
    input: stream,
    write: (line) => out.push(JSON.parse(line)),
    drainMs: 100,
  });
  return {
    out,
    send: (message: unknown) =>
      input.enqueue(new TextEncoder().encode(`${JSON.stringify(message)}\n`)),
    find: (pred: (m: any) => boolean, what: string) => until(() => out.find(pred), what),
    count: (pred: (m: any) => boolean) => out.filter(pred).length,
    async close() {
      input.close();
      await done;
    },
  };
}

let server: TestServer;
let write: ReturnType<typeof toolCaller>;
beforeAll(() => {
  server = testServer();
  write = toolCaller(server.services);
});
afterAll(() => server.close());

describe("the store announces changes (one place: FileStore)", () => {
  test("a write, an identical rewrite, a delete and an import", async () => {
    const seen: Change[] = [];
    const stop = server.services.changes.subscribe((c) => seen.push(c));
    await write("write_file", { path: "feed/a.md", content: "one" });
    await write("write_file", { path: "feed/a.md", content: "one" }); // same bytes: no change
    await write("delete_file", { path: "feed/a.md" });
    const dir = tempDir("quiver-import-");
    mkdirSync(join(dir, "sub"));
    writeFileSync(join(dir, "x.txt"), "x");
    writeFileSync(join(dir, "sub", "y.txt"), "y");
    await importTree(server.services.files, { root: dir, prefix: "imp/" });
    stop();
    expect(seen).toEqual([
      { kind: "file", path: "feed/a.md", change: "written" },
      { kind: "file", path: "feed/a.md", change: "deleted" },
      { kind: "file", path: "imp/sub/y.txt", change: "written" },
      { kind: "file", path: "imp/x.txt", change: "written" },
    ]);
  });

  test("the job worker's changes reach the server in bounded batches, last change winning", async () => {
    const worker = new ChangeFeed();
    const sent: any[] = [];
    const stop = relayChanges(worker, (m) => sent.push(m));
    for (let i = 0; i < RELAY_MAX + 5; i++)
      worker.emit({ kind: "file", path: `p/${i}`, change: "written" });
    worker.emit({ kind: "file", path: "p/0", change: "deleted" });
    worker.emit({ kind: "tools" }); // not the worker's to relay
    await until(() => sent.length === 2, "two batches");
    expect(sent[0].changes).toHaveLength(RELAY_MAX);
    expect(sent[1].changes).toHaveLength(5);
    expect(sent[1].changes.at(-1)).toEqual({ path: "p/0", change: "deleted" });
    stop();

    const server = new ChangeFeed();
    const heard: Change[] = [];
    server.subscribe((c) => heard.push(c));
    emitRelayed(server, sent[1]);
    emitRelayed(server, { changes: [{ path: 1 }, { path: "q", change: "eaten" }, null] });
    emitRelayed(server, "nonsense");
    expect(heard).toHaveLength(5);
    expect(heard[4]).toEqual({ kind: "file", path: "p/0", change: "deleted" });
  });
});

const listen = (id: number | string, notifications: unknown) => ({
  jsonrpc: "2.0",
  id,
  method: "subscriptions/listen",
  params: { _meta: ENVELOPE, notifications },
});
const isNote = (method: string, id: unknown) => (m: any) =>
  m.method === method && m.params?._meta?.[SUB] === id;

describe("subscriptions/listen (2026-07-28) over stdio", () => {
  test("acknowledged first, then updates for the watched URIs and list changes, until cancelled", async () => {
    const s = stdio(server);
    const watched = fileUri("watch/über.md");
    s.send(
      listen(1, {
        resourcesListChanged: true,
        promptsListChanged: true,
        resourceSubscriptions: [watched, "https://elsewhere.example/x", "quiver://files/%zz"],
      }),
    );
    const ack = await s.find(isNote("notifications/subscriptions/acknowledged", 1), "the ack");
    expect(s.out[0]).toBe(ack);
    // What quiver honours: no prompts, only its own file URIs.
    expect(ack.params.notifications).toEqual({
      resourcesListChanged: true,
      resourceSubscriptions: [watched],
    });
    await write("write_file", { path: "watch/other.md", content: "not watched" });
    await write("write_file", { path: "watch/über.md", content: "watched" });
    const updated = await s.find(isNote("notifications/resources/updated", 1), "the update");
    expect(updated.params.uri).toBe(watched);
    await s.find(isNote("notifications/resources/list_changed", 1), "list_changed");
    expect(s.count((m) => m.method === "notifications/tools/list_changed")).toBe(0);
    expect(hubFor(server.services).size).toBe(1);

    s.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 1 } });
    await until(() => hubFor(server.services).size === 0, "the listener to go");
    await s.close();
    expect(s.out.some((m) => m.id === 1)).toBe(false); // a cancelled request is not answered
  });

  test("a skill's file is watched by its skill:// URI too", async () => {
    const s = stdio(server);
    const uri = "skill://watcher/SKILL.md";
    s.send(listen(4, { resourceSubscriptions: [uri] }));
    const ack = await s.find(isNote("notifications/subscriptions/acknowledged", 4), "ack");
    expect(ack.params.notifications.resourceSubscriptions).toEqual([uri]);
    await write("write_file", {
      path: "skills/watcher/SKILL.md",
      content: "---\nname: watcher\ndescription: Watches.\n---\n",
    });
    const updated = await s.find(isNote("notifications/resources/updated", 4), "the update");
    expect(updated.params.uri).toBe(uri);
    await s.close();
  });

  test("two subscriptions on one channel are told apart by their ids; tools changes too", async () => {
    const s = stdio(server);
    s.send(listen("tools", { toolsListChanged: true }));
    s.send(listen(2, { resourceSubscriptions: [fileUri("two/a.md")] }));
    await s.find(isNote("notifications/subscriptions/acknowledged", 2), "ack 2");
    await s.find(isNote("notifications/subscriptions/acknowledged", "tools"), "ack tools");
    server.services.changes.emit({ kind: "tools" });
    await write("write_file", { path: "two/a.md", content: "a" });
    await s.find(isNote("notifications/resources/updated", 2), "update on 2");
    await s.find(isNote("notifications/tools/list_changed", "tools"), "tools change");
    expect(s.count(isNote("notifications/tools/list_changed", 2))).toBe(0);
    expect(s.count(isNote("notifications/resources/updated", "tools"))).toBe(0);
    await s.close();
    expect(hubFor(server.services).size).toBe(0);
  });

  test("a burst of changes is coalesced: one notification of each kind per window", async () => {
    const s = stdio(server);
    s.send(listen(3, { resourcesListChanged: true, resourceSubscriptions: [fileUri("b/0")] }));
    await s.find(isNote("notifications/subscriptions/acknowledged", 3), "ack");
    for (let i = 0; i < 1000; i++)
      server.services.changes.emit({ kind: "file", path: `b/${i % 10}`, change: "written" });
    await s.find(isNote("notifications/resources/updated", 3), "update");
    await s.find(isNote("notifications/resources/list_changed", 3), "list_changed");
    expect(s.count(isNote("notifications/resources/updated", 3))).toBe(1);
    expect(s.count(isNote("notifications/resources/list_changed", 3))).toBe(1);
    await s.close();
  });

  test("bad filters are invalid params; listeners are bounded per caller", async () => {
    const s = stdio(server);
    s.send(listen(10, "everything"));
    s.send(listen(11, { toolsListChanged: "yes" }));
    const tooMany = Array.from({ length: LISTEN_LIMITS.urisPerListener + 1 }, (_, i) =>
      fileUri(`m/${i}`),
    );
    s.send(listen(12, { resourceSubscriptions: tooMany }));
    for (const id of [10, 11, 12]) {
      const answer = await s.find((m) => m.id === id, `answer ${id}`);
      expect(answer.error.code).toBe(-32602);
    }
    expect((await s.find((m) => m.id === 10, "")).error.message).toContain("params.notifications");
    expect((await s.find((m) => m.id === 12, "")).error.message).toContain(
      `at most ${LISTEN_LIMITS.urisPerListener}`,
    );
    for (let i = 0; i < LISTEN_LIMITS.perCaller; i++) s.send(listen(100 + i, {}));
    await until(() => hubFor(server.services).size === LISTEN_LIMITS.perCaller, "all listeners");
    s.send(listen(999, {}));
    const refused = await s.find((m) => m.id === 999, "the refusal");
    expect(refused.error.data.code).toBe("too_many_subscriptions");
    await s.close();
    expect(hubFor(server.services).size).toBe(0);
  });

  test("the server ending a subscription answers it (graceful close)", async () => {
    const s = stdio(server);
    s.send(listen(5, { toolsListChanged: true }));
    await s.find(isNote("notifications/subscriptions/acknowledged", 5), "ack");
    hubFor(server.services).endAll();
    const closing = await s.find((m) => m.id === 5, "the closing answer");
    expect(closing.result).toEqual({ resultType: "complete", _meta: { [SUB]: 5 } });
    await s.close();
  });
});

describe("2025 clients", () => {
  const init = (id: number) => ({
    jsonrpc: "2.0",
    id,
    method: "initialize",
    params: {
      protocolVersion: "2025-11-25",
      capabilities: {},
      clientInfo: { name: "t", version: "1" },
    },
  });

  test("over stdio: list changes unsolicited after initialize, updates for subscribed URIs", async () => {
    const s = stdio(server);
    s.send(init(1));
    const ready = await s.find((m) => m.id === 1, "initialize");
    expect(ready.result.capabilities).toMatchObject({
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
    });
    const a = fileUri("legacy/a.md");
    const b = fileUri("legacy/b.md");
    s.send({ jsonrpc: "2.0", id: 2, method: "resources/subscribe", params: { uri: a } });
    s.send({ jsonrpc: "2.0", id: 3, method: "resources/subscribe", params: { uri: b } });
    await s.find((m) => m.id === 3, "subscribed");
    s.send({ jsonrpc: "2.0", id: 4, method: "resources/unsubscribe", params: { uri: a } });
    expect((await s.find((m) => m.id === 4, "unsubscribed")).result).toEqual({});
    await write("write_file", { path: "legacy/a.md", content: "a" });
    await write("write_file", { path: "legacy/b.md", content: "b" });
    const updated = await s.find((m) => m.method === "notifications/resources/updated", "update");
    expect(updated.params).toEqual({ uri: b });
    await s.find((m) => m.method === "notifications/resources/list_changed", "list_changed");
    server.services.changes.emit({ kind: "tools" });
    await s.find((m) => m.method === "notifications/tools/list_changed", "tools change");
    expect(s.count((m) => m.method === "notifications/resources/updated")).toBe(1);
    s.send({ jsonrpc: "2.0", id: 5, method: "resources/subscribe", params: { uri: "x:y" } });
    expect((await s.find((m) => m.id === 5, "bad uri")).error.code).toBe(-32602);
    await s.close();
    expect(hubFor(server.services).size).toBe(0);
  });

  test("over stdio without initialize (a 2026 client) nothing is sent unasked", async () => {
    const s = stdio(server);
    s.send({ jsonrpc: "2.0", id: 1, method: "resources/subscribe", params: { uri: fileUri("z") } });
    expect((await s.find((m) => m.id === 1, "answer")).error.code).toBe(-32601);
    await write("write_file", { path: "z", content: "z" });
    s.send(listen(2, { toolsListChanged: true }));
    await s.find(isNote("notifications/subscriptions/acknowledged", 2), "ack");
    // Heard in the write's window or a later one: by then anything unasked would be out.
    server.services.changes.emit({ kind: "tools" });
    await s.find(isNote("notifications/tools/list_changed", 2), "tools change");
    expect(s.out.filter((m) => m.method?.startsWith("notifications/resources"))).toEqual([]);
    await s.close();
  });

  test("over HTTP (sessionless): no subscribe capability, resources/subscribe explains", async () => {
    const post = async (body: unknown) =>
      (await server.handle(mcpRequest(body))).json() as Promise<any>;
    const ready = await post(init(1));
    expect(ready.result.capabilities.resources).toEqual({ subscribe: false, listChanged: false });
    const refused = await post({
      jsonrpc: "2.0",
      id: 2,
      method: "resources/subscribe",
      params: { uri: fileUri("a") },
    });
    expect(refused.error.code).toBe(-32601);
    expect(refused.error.message).toContain("subscriptions/listen");
  });
});

describe("subscriptions/listen over HTTP", () => {
  /** Reads SSE events off a response body as they come. */
  function events(response: Response) {
    const seen: any[] = [];
    let comments = 0;
    let ended = false;
    (async () => {
      let buffer = "";
      const decoder = new TextDecoder();
      for await (const chunk of response.body!) {
        buffer += decoder.decode(chunk, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf("\n\n")) !== -1) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = /^data: (.*)$/m.exec(event);
          if (data) seen.push(JSON.parse(data[1]!));
          else if (event.startsWith(":")) comments++;
        }
      }
    })()
      .catch(() => {})
      .finally(() => {
        ended = true;
      });
    return { seen, ended: () => ended, comments: () => comments };
  }

  test("a stream: ack, an update after a write, and the client closing it ends the listener", async () => {
    const abort = new AbortController();
    const uri = fileUri("http/watched.md");
    const base = mcpRequest(listen(7, { resourceSubscriptions: [uri] }));
    const response = await server.handle(new Request(base, { signal: abort.signal }));
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    expect(response.headers.get("x-accel-buffering")).toBe("no");
    const stream = events(response);
    const ack = await until(() => stream.seen[0], "the ack");
    expect(ack.method).toBe("notifications/subscriptions/acknowledged");
    expect(ack.params._meta[SUB]).toBe(7);
    await write("write_file", { path: "http/watched.md", content: "new" });
    const update = await until(
      () => stream.seen.find((m) => m.method === "notifications/resources/updated"),
      "the update",
    );
    expect(update.params).toEqual({ uri, _meta: { [SUB]: 7 } });
    abort.abort();
    await until(() => hubFor(server.services).size === 0, "the listener to go");
  });

  test("ended by the server: the closing answer is the stream's last event", async () => {
    const response = await server.handle(mcpRequest(listen(8, { toolsListChanged: true })));
    const stream = events(response);
    await until(() => stream.seen[0], "the ack");
    hubFor(server.services).endAll();
    await until(() => stream.ended(), "the stream to end");
    expect(stream.seen.at(-1)).toEqual({
      jsonrpc: "2.0",
      id: 8,
      result: { resultType: "complete", _meta: { [SUB]: 8 } },
    });
  });

  test("without Accept: text/event-stream it is a 400 that says what to send", async () => {
    const response = await server.handle(mcpRequest(listen(9, {}), { accept: "application/json" }));
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).error.message).toContain("text/event-stream");
  });

  test("a 2025 request cannot listen (the method is 2026-07-28's)", async () => {
    const response = await server.handle(
      mcpRequest({
        jsonrpc: "2.0",
        id: 1,
        method: "subscriptions/listen",
        params: { notifications: {} },
      }),
    );
    expect(((await response.json()) as any).error.code).toBe(-32601);
  });
});
