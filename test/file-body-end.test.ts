import { afterAll, expect, test } from "bun:test";
import { openSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { OpenBlob } from "../src/store/blob-reader.ts";
import { readFile } from "../src/tools/read-file.ts";
import { request, tempDir, testServer, toolCaller } from "./support/services.ts";
import { blobsOf } from "./support/store-internals.ts";

// What a GET /files/* client really got, in the access log and the response: a body that
// fails or is abandoned mid-way is not logged as a 200, and bytes damaged on disk are not
// served as if they were whole.
const server = testServer();
const { files } = server.services;
afterAll(() => server.close());

const get = (path: string) =>
  server.handle(
    new Request(`http://localhost/files/${path}`, {
      headers: { authorization: `Bearer ${server.tokens.read}` },
    }),
  );
const accessLine = async (path: string) => {
  let line: Record<string, unknown> | undefined;
  for (let i = 0; i < 200 && !line; i++) {
    line = server.logs.find((l) => l.msg === "request" && l.path === `/files/${path}`);
    if (!line) await Bun.sleep(5);
  }
  return line;
};

test("a file sent whole is logged with its status and the bytes sent", async () => {
  const text = "x".repeat(300_000);
  await files.put("body/whole.txt", [new TextEncoder().encode(text)]);
  const res = await get("body/whole.txt");
  expect(res.status).toBe(200);
  expect((await res.text()).length).toBe(text.length);
  expect(await accessLine("body/whole.txt")).toMatchObject({ status: 200, bytes: 300_000 });
});

test("a blob truncated on disk answers blob_missing, not 200 with fewer bytes than its ETag claims", async () => {
  const put = await files.put("body/damaged.txt", [new TextEncoder().encode("y".repeat(5000))]);
  truncateSync(blobsOf(files).pathOf(put.file.sha256), 1200);
  const res = await request(server, "/files/body/damaged.txt", { token: server.tokens.read });
  expect(res.status).toBe(500);
  expect(res.json.error.code).toBe("blob_missing");
  expect(res.json.error.message).toContain("1200 bytes on disk, 5000 stored");
  const read = await toolCaller(server.services)(readFile, { path: "body/damaged.txt" }).catch(
    (err) => err,
  );
  expect(read.code).toBe("blob_missing");
});

test("a body whose bytes run out mid-send is logged as failed (500) with an error line, not as 200", async () => {
  await files.put("body/shrinks.txt", [new TextEncoder().encode("z".repeat(600_000))]);
  // The bytes shrink after the file was opened (the size check at open passed): the
  // descriptor now yields 100,000 bytes of the 600,000 promised.
  const short = join(tempDir(), "short");
  writeFileSync(short, "z".repeat(100_000));
  const blobs = blobsOf(files);
  const openRead = blobs.openRead;
  blobs.openRead = () => new OpenBlob(openSync(short, "r"), 600_000);
  let res: Response;
  try {
    res = await get("body/shrinks.txt");
  } finally {
    blobs.openRead = openRead;
  }
  expect(res.status).toBe(200); // the headers went out before the bytes ran short
  const read = await res.text().then(
    (t) => t.length,
    () => "body errored",
  );
  expect(read).toBe("body errored");
  const line = await accessLine("body/shrinks.txt");
  expect(line).toMatchObject({ status: 500, bytes: 100_000 });
  // The error line goes to stderr (logError), keyed by the same request id.
  expect(line!.req).toBeString();
});

test("a client that abandons a body mid-way is logged 499 with the bytes it got", async () => {
  await files.put("body/abandoned.txt", [new TextEncoder().encode("w".repeat(2_000_000))]);
  const res = await get("body/abandoned.txt");
  const reader = res.body!.getReader();
  const first = await reader.read();
  expect(first.value!.byteLength).toBeGreaterThan(0);
  await reader.cancel();
  const line = await accessLine("body/abandoned.txt");
  expect(line!.status).toBe(499);
  expect(line!.bytes).toBeLessThan(2_000_000);
});
