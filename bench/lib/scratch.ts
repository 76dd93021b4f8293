import { rmSync } from "node:fs";

/**
 * Removes a section's temporary data — unless `npm run bench` runs the section, in which
 * case the runner removes all of it once, after the last section. On this project's VM
 * (ext4 without a journal) creating files is 2–6× slower for minutes after tens of
 * thousands were deleted, so a section that deleted its blobs would slow the next
 * section's imports and skew their figures.
 */
export function removeScratch(dir: string): void {
  if (process.env.QUIVER_BENCH_SCRATCH === "1") return;
  rmSync(dir, { recursive: true, force: true });
}
