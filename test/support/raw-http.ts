import { type RunningServer, startServer } from "../../src/server/serve.ts";
import { type TestServer, testServer } from "./services.ts";

/** A test server listening on a port the kernel picked (port 0), on loopback, no worker. */
export function listeningServer(
  overrides: Parameters<typeof testServer>[0] = {},
): TestServer & { running: RunningServer; port: number } {
  const server = testServer({ port: 0, host: "127.0.0.1", ...overrides });
  const running = startServer(server.services);
  const close = server.close;
  return {
    ...server,
    running,
    port: Number(running.server.port),
    close() {
      running.server.stop(true);
      close();
    },
  };
}

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` (and `body`) as raw bytes and reads one response: what fetch cannot send
 * (dot segments, backslashes, odd Host headers), fetch normalises away. Bounded: fails
 * after `timeoutMs` rather than hanging.
 */
export async function rawRequest(
  port: number,
  head: string,
  body = "",
  timeoutMs = 10_000,
): Promise<RawAnswer> {
  let received = "";
  const { promise, resolve, reject } = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, data) {
        received += new TextDecoder().decode(data);
        if (complete(received)) resolve();
      },
      close: () => resolve(),
      error: (_s, err) => reject(err),
    },
  });
  socket.write(`${head.replace(/\r?\n/g, "\r\n")}\r\n\r\n${body}`);
  const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  try {
    await promise;
  } finally {
    clearTimeout(timer);
    socket.end();
  }
  return parse(received);
}

function complete(text: string): boolean {
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return false;
  const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
  return length !== null && Buffer.byteLength(text.slice(end + 4)) >= Number(length[1]);
}

function parse(text: string): RawAnswer {
  const end = text.indexOf("\r\n\r\n");
  const lines = text.slice(0, end === -1 ? undefined : end).split("\r\n");
  const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? "");
  if (!status) throw new Error(`not an HTTP response: ${JSON.stringify(text.slice(0, 200))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: Number(status[1]), headers, body: end === -1 ? "" : text.slice(end + 4) };
}
