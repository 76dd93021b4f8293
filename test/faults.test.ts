import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { buildBinary, startBinary } from "./support/binary.ts";
import { rawConnection } from "./support/raw-http.ts";
import { tempDir } from "./support/services.ts";

const TOKEN = "fault-test-token-0123456789";
const auth = { authorization: `Bearer ${TOKEN}` };
let binary: string;
const work = tempDir("quiver-faults-");
beforeAll(() => {
  binary = buildBinary();
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const sha = (b: Uint8Array | string) => new Bun.CryptoHasher("sha256").update(b).digest("hex");

describe("faults with the real binary", () => {
  test("kill -9 during a stream of writes: every acknowledged write survives, nothing is half-visible", async () => {
    const data = join(work, "kill9");
    const server = await startBinary(binary, ["--data", data, "--quiet"], { QUIVER_TOKEN: TOKEN });
    const acked = new Map<string, string>();
    const attempted = new Map<string, string>();
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const path = `w${w}/file-${i}.txt`;
        // sizes vary so some writes span several chunks
        const body = `writer ${w} file ${i} marker zq${w}x${i}q\n${"lorem ipsum ".repeat((i * 37) % 4000)}`;
        attempted.set(path, body);
        try {
          const res = await fetch(`${server.url}/files/${path}`, {
            method: "PUT",
            headers: auth,
            body,
          });
          if (res.status === 201) acked.set(path, body);
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acked.size < 150) await Bun.sleep(5);
    server.proc.kill("SIGKILL");
    stop = true;
    await server.proc.exited;
    await Promise.all(writers);

    const again = await startBinary(binary, ["--data", data, "--quiet"], { QUIVER_TOKEN: TOKEN });
    for (const [path, body] of acked) {
      const res = await fetch(`${again.url}/files/${path}`, { headers: auth });
      expect(res.status, path).toBe(200);
      expect(await res.text()).toBe(body);
    }
    // and searchable: sample the acknowledged writes by their unique marker word
    const sample = [...acked.keys()].filter((_, k) => k % 5 === 0);
    for (const path of sample) {
      const [, w, i] = /^w(\d)\/file-(\d+)\.txt$/.exec(path)!;
      const res = await fetch(`${again.url}/tools/search`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ query: `zq${w}x${i}q` }),
      });
      const hits = ((await res.json()) as { results: { path: string }[] }).results;
      expect(
        hits.map((h) => h.path),
        path,
      ).toEqual([path]);
    }
    // every file the server lists is complete: its bytes hash to its ETag, and are what was sent
    const list = (await (
      await fetch(`${again.url}/files?limit=1000`, { headers: auth })
    ).json()) as { files: { path: string; sha256: string }[] };
    expect(list.files.length).toBeGreaterThanOrEqual(acked.size);
    for (const f of list.files) {
      const bytes = new Uint8Array(
        await (await fetch(`${again.url}/files/${f.path}`, { headers: auth })).arrayBuffer(),
      );
      expect(sha(bytes)).toBe(f.sha256);
      expect(new TextDecoder().decode(bytes)).toBe(attempted.get(f.path)!);
    }
    await again.stop();
  }, 60_000);

  test("SIGTERM lets an in-flight upload finish, then exits 0", async () => {
    const data = join(work, "drain");
    const server = await startBinary(binary, ["--data", data, "--quiet"], { QUIVER_TOKEN: TOKEN });
    // A raw connection, so the test knows where the upload is: `Expect: 100-continue` makes
    // the server say "100 Continue" once it has taken the request in hand.
    const upload = await rawConnection(Number(new URL(server.url).port));
    const body = ["first half, ", "second half"];
    upload.write(
      `PUT /files/slow.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${TOKEN}\r\n` +
        `Content-Length: ${body.join("").length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    await upload.until((text) => text.includes("100 Continue"));
    upload.write(body[0]!);
    server.proc.kill("SIGTERM");
    // The SIGTERM has taken effect once the server takes no new connection.
    for (;;) {
      const refused = await fetch(`${server.url}/healthz`).then(
        () => false,
        () => true,
      );
      if (refused) break;
      await Bun.sleep(10);
    }
    upload.write(body[1]!);
    // "100 Continue", then the answer's head (or the connection closes).
    const answer = await upload.until((text) => text.split("\r\n\r\n").length > 2);
    expect(answer).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 201 /);
    expect(await server.proc.exited).toBe(0);

    const again = await startBinary(binary, ["--data", data, "--quiet"], { QUIVER_TOKEN: TOKEN });
    expect(await (await fetch(`${again.url}/files/slow.txt`, { headers: auth })).text()).toBe(
      "first half, second half",
    );
    await again.stop();
  }, 30_000);
});
