import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";

const WORDS = (
  "quiver tool server bearer token index search passage chunk sqlite binary request latency " +
  "throughput memory corpus markdown heading section paragraph durable journal write ahead log " +
  "cold start worker queue lease retry scope admin read write file path blob hash digest stream"
).split(" ");

/** `count` markdown files of about 3 KiB of deterministic pseudo-text, in 20 folders. */
export function writeCorpus(dir: string, count: number): { dir: string; bytes: number } {
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const sentence = () =>
    `${Array.from(
      { length: 8 + Math.floor(rand() * 10) },
      () => WORDS[Math.floor(rand() * WORDS.length)],
    ).join(" ")}.`;
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const folder = join(dir, `part-${i % 20}`);
    mkdirSync(folder, { recursive: true });
    const sections = Array.from(
      { length: 6 },
      (_, s) => `## Section ${s + 1}\n\n${Array.from({ length: 6 }, sentence).join(" ")}\n`,
    );
    // One word only this document has, so a search can ask for a single hit (marker<i>).
    const text = `# Document ${i}: marker${i}\n\n${sections.join("\n")}`;
    writeFileSync(join(folder, `doc-${i}.md`), text);
    bytes += Buffer.byteLength(text);
  }
  return { dir, bytes };
}

/**
 * The real corpus as a tarball: `QUIVER_CORPUS` when it names one (the README's way),
 * else linux-python-docs.tar.gz in ../shared/corpus beside the project root, where this
 * project's machines keep it. Every section that unpacks it takes it from here.
 */
export const CORPUS_TARBALL =
  process.env.QUIVER_CORPUS?.endsWith(".tar.gz") === true
    ? process.env.QUIVER_CORPUS
    : join(import.meta.dir, "..", "..", "..", "shared", "corpus", "linux-python-docs.tar.gz");

export function unpackCorpus(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const tar = spawnSync(["tar", "-xzf", CORPUS_TARBALL, "-C", dir], { stderr: "pipe" });
  if (tar.exitCode !== 0)
    throw new Error(`could not unpack ${CORPUS_TARBALL}: ${tar.stderr.toString()}`);
  return dir;
}

export function haveRealCorpus(): boolean {
  return existsSync(CORPUS_TARBALL);
}

/** Regular files under `dir` and their total size. */
export function corpusStats(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile()) {
      files++;
      bytes += statSync(join(e.parentPath, e.name)).size;
    }
  return { files, bytes };
}
