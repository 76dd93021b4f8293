import { type RunningServer, startServer } from "../../src/server/serve.ts";
import { type TestServer, testServer } from "./services.ts";

/** A test server listening on a port the kernel picked (port 0), on loopback, no worker. */
export async function listeningServer(
  overrides: Parameters<typeof testServer>[0] = {},
): Promise<TestServer & { running: RunningServer; port: number }> {
  const server = testServer({ port: 0, host: "127.0.0.1", ...overrides });
  const running = await startServer(server.services);
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

/** One raw TCP connection to a test server, for what fetch cannot send or cannot hold open. */
export interface RawConnection {
  write(chunk: string | Uint8Array): void;
  /** False once the server (or we) closed it. */
  readonly open: boolean;
  /** Everything received so far, decoded. */
  received(): string;
  /** What was received once `done(received)` holds, or the connection closed. */
  until(done: (received: string) => boolean): Promise<string>;
  /** Resolves when the connection closes, whoever closed it (errors count as closing). */
  readonly closed: Promise<void>;
  /** Half-close, after what was written is sent. */
  end(): void;
  /** Drop the connection at once. */
  terminate(): void;
}

/** The one raw-socket reader the tests share (rawRequest, the abuse and slow-client tests). */
export async function rawConnection(port: number): Promise<RawConnection> {
  let text = "";
  let isOpen = true;
  const closed = Promise.withResolvers<void>();
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  const close = () => {
    isOpen = false;
    closed.resolve();
    wake();
  };
  const decoder = new TextDecoder();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data(_s, data) {
        text += decoder.decode(data, { stream: true });
        wake();
      },
      close,
      error: close,
    },
  });
  return {
    write: (chunk) => void socket.write(chunk),
    get open() {
      return isOpen;
    },
    received: () => text,
    until(done) {
      return new Promise((resolve) => {
        const check = () => {
          if (!done(text) && isOpen) return;
          waiters.delete(check);
          resolve(text);
        };
        waiters.add(check);
        check();
      });
    },
    closed: closed.promise,
    end: () => socket.end(),
    terminate: () => socket.terminate(),
  };
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
  const connection = await rawConnection(port);
  connection.write(`${head.replace(/\r?\n/g, "\r\n")}\r\n\r\n${body}`);
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return parse(await Promise.race([connection.until(answerComplete), timeout]));
  } finally {
    clearTimeout(timer);
    connection.end();
  }
}

/** Whether `text` holds a response's head and the body its Content-Length declares. */
export function answerComplete(text: string): boolean {
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
