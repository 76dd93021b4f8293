/**
 * Swaps a directory for a symlink and back, as fast as it can, until told to stop: an
 * attacker racing an import's walk. Counts its flips in the shared array's slot 1.
 */
import { renameSync, rmSync, symlinkSync } from "node:fs";

declare const self: Worker;

self.onmessage = (ev: MessageEvent<{ dir: string; target: string; shared: SharedArrayBuffer }>) => {
  const { dir, target } = ev.data;
  const state = new Int32Array(ev.data.shared); // [0]: stop flag, [1]: flips done
  const real = `${dir}.real`;
  while (Atomics.load(state, 0) === 0) {
    renameSync(dir, real);
    symlinkSync(target, dir);
    rmSync(dir);
    renameSync(real, dir);
    Atomics.add(state, 1, 1);
  }
  self.postMessage("stopped");
};
