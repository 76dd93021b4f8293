import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./support/services.ts";

const base = tempDir("quiver-open-race-");
afterAll(() => rmSync(base, { recursive: true, force: true }));

// Two processes opening a new data directory at once (two `token create`, two `serve`):
// SQLite connections on separate threads race for the same locks as processes do, and
// a shared flag starts them within microseconds of each other. With WAL set before the
// busy timeout, about two opens in three failed with "database is locked".
test("several connections opening one new data directory at once all succeed", async () => {
  const outcomes: string[] = [];
  for (let round = 0; round < 15; round++) {
    const go = new SharedArrayBuffer(4);
    const workers = Array.from(
      { length: 6 },
      () => new Worker(new URL("./support/open-database-worker.ts", import.meta.url)),
    );
    const ready: Promise<void>[] = [];
    const done = workers.map((w) => {
      let isReady: () => void;
      ready.push(new Promise((resolve) => (isReady = resolve)));
      return new Promise<string>((resolve) => {
        w.onmessage = (ev) => (ev.data === "ready" ? isReady() : resolve(ev.data));
      });
    });
    for (const [i, w] of workers.entries())
      w.postMessage({ dir: join(base, `r${round}-d${i % 2}`), go });
    await Promise.all(ready);
    Atomics.store(new Int32Array(go), 0, 1);
    Atomics.notify(new Int32Array(go), 0);
    outcomes.push(...(await Promise.all(done)));
    for (const w of workers) w.terminate();
  }
  expect(outcomes.filter((o) => o !== "ok")).toEqual([]);
  expect(outcomes.length).toBe(90);
});
