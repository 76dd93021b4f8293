import { afterAll, describe, expect, test } from "bun:test";
import {
  closeSync,
  mkdirSync,
  openSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { oneLine, runCli } from "./support/cli.ts";
import { tempDir } from "./support/services.ts";

// A damaged quiver.db: the server refuses to start with one line pointing at
// `quiver check`, and `quiver check` reports the damage instead of crashing on it.
const work = tempDir("quiver-corrupt-");
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A store with some files, then pages in the middle of its database overwritten. */
function damagedStore(): string {
  const tree = join(work, "tree");
  mkdirSync(tree, { recursive: true });
  for (let i = 0; i < 30; i++)
    writeFileSync(join(tree, `f${i}.txt`), `${"line of text\n".repeat(200 * (i + 1))}`);
  const data = join(work, "pages");
  expect(runCli(["index", tree, "--data", data]).code).toBe(0);
  const db = join(data, "quiver.db");
  expect(statSync(db).size).toBeGreaterThan(8 * 4096);
  const fd = openSync(db, "r+");
  writeSync(fd, new Uint8Array(4 * 4096).fill(0xa5), 0, 4 * 4096, 2 * 4096);
  closeSync(fd);
  return data;
}

describe("a file that is not a database at all", () => {
  const data = join(work, "garbage");
  mkdirSync(data);
  writeFileSync(join(data, "quiver.db"), new Uint8Array(64 * 1024).fill(0x5a));

  test("serve, search and token: one line pointing at quiver check", () => {
    for (const args of [
      ["serve", "--port", "0", "--data", data],
      ["search", "x", "--data", data],
      ["token", "list", "--data", data],
    ]) {
      const res = runCli(args);
      expect(res.code).toBe(1);
      expect(oneLine(res.err)).toBe(
        `quiver: the database ${data}/quiver.db is damaged (file is not a database); run \`quiver check --data ${data}\` for details`,
      );
    }
  });

  test("quiver check says what is wrong and what to do, exit 1", () => {
    const res = runCli(["check", "--data", data]);
    expect(res.code).toBe(1);
    expect(res.err).toBe("");
    expect(res.out).toBe(
      "database damaged: quiver.db cannot be opened: file is not a database\n" +
        "quiver check cannot repair the database itself: restore quiver.db from a backup (the bytes under blobs/ are named by their SHA-256 and stay usable)\n",
    );
    const json = runCli(["check", "--json", "--data", data]);
    expect(JSON.parse(json.out).database).toEqual([
      "quiver.db cannot be opened: file is not a database",
    ]);
  });
});

describe("a database with damaged pages", () => {
  const data = damagedStore();

  test("quiver check (also --repair, also --fast) reports the damage and changes nothing", () => {
    for (const flags of [[], ["--repair"], ["--fast"]]) {
      const before = statSync(join(data, "quiver.db")).mtimeMs;
      const res = runCli(["check", ...flags, "--data", data]);
      expect(res.code).toBe(1);
      expect(res.err).toBe("");
      expect(res.out).toStartWith("database damaged: ");
      expect(res.out).toContain("restore quiver.db from a backup");
      expect(statSync(join(data, "quiver.db")).mtimeMs).toBe(before);
    }
  });

  test("the server does not start on it: one line pointing at quiver check", () => {
    const res = runCli(["serve", "--port", "0", "--data", data]);
    expect(res.code).toBe(1);
    expect(oneLine(res.err)).toContain("run `quiver check");
  });
});

test("a quiver.db that is a directory: one line saying what it must be; check reports it", () => {
  const data = join(work, "db-is-dir");
  mkdirSync(join(data, "quiver.db"), { recursive: true });
  const res = runCli(["serve", "--port", "0", "--data", data]);
  expect(res.code).toBe(1);
  expect(oneLine(res.err)).toBe(
    `quiver: cannot open the database ${data}/quiver.db (unable to open database file); it must be a file this user may read and write`,
  );
  const check = runCli(["check", "--data", data]);
  expect(check.code).toBe(1);
  expect(check.out).toBe(`database unusable: ${oneLine(res.err).slice("quiver: ".length)}\n`);
});
