/**
 * A thread that opens a data directory's database the moment it is told to (a shared
 * flag), so several threads race to open one new database as two processes would.
 */
import { openDatabase } from "../../src/store/db.ts";

declare const self: Worker;

self.onmessage = (ev: MessageEvent<{ dir: string; go: SharedArrayBuffer }>) => {
  const flag = new Int32Array(ev.data.go);
  self.postMessage("ready");
  Atomics.wait(flag, 0, 0);
  try {
    openDatabase(ev.data.dir).close();
    self.postMessage("ok");
  } catch (err) {
    self.postMessage(String((err as Error)?.message ?? err));
  }
};
