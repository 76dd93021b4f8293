import { writeSync } from "node:fs";

/**
 * Where log lines go: stderr, written synchronously, one call per line, and never
 * allowed to stop the server. A failed write (disk full: ENOSPC; reader gone: EPIPE; a
 * non-blocking pipe that is full: EAGAIN) drops that line and counts it; the next line
 * that does get through is preceded by one notice saying how many were lost.
 *
 * Why not `process.stderr.write`: its stream reports a failed write as an 'error' event,
 * which ended the process after a few requests (issue 13 item 9), and once it has failed
 * it is destroyed and never writes again, even after space is freed.
 */
export type RawWrite = (text: string) => void;

export interface LogSink {
  write(line: string): void;
  /** Lines lost since the last notice. */
  readonly dropped: number;
}

export function createLogSink(rawWrite: RawWrite, now = () => new Date()): LogSink {
  let dropped = 0;
  // A line cut short by a failing write leaves the file mid-line: the next output
  // starts with a newline so that every later line parses on its own.
  let midLine = false;
  const attempt = (text: string): boolean => {
    try {
      rawWrite(midLine ? `\n${text}` : text);
      midLine = false;
      return true;
    } catch (err) {
      midLine = (err as { partial?: boolean }).partial === true || midLine;
      return false;
    }
  };
  return {
    get dropped() {
      return dropped;
    },
    write(line) {
      if (dropped > 0) {
        const notice = `${JSON.stringify({ ts: now().toISOString(), level: "warn", msg: "log lines dropped", dropped, why: "stderr could not be written (disk full, or its reader gone)" })}\n`;
        if (!attempt(notice)) {
          dropped++;
          return;
        }
        dropped = 0;
      }
      if (!attempt(line)) dropped++;
    },
  };
}

/** Writes all of `text` to a file descriptor, or throws (marked partial if some went out). */
export function writeAllSync(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let done = 0;
  while (done < bytes.byteLength) {
    try {
      done += writeSync(fd, bytes, done);
    } catch (err) {
      if (done > 0) Object.assign(err as object, { partial: true });
      throw err;
    }
  }
}

let capture: ((text: string) => void) | undefined;
export const stderrSink = createLogSink((text) =>
  capture ? capture(text) : writeAllSync(2, text),
);

/**
 * Runs `fn` with the log lines it writes collected in `into` instead of going to stderr
 * (tests: the sink writes to fd 2 itself, so replacing process.stderr.write sees nothing).
 */
export function captureLogs<T>(into: string[], fn: () => T): T {
  const previous = capture;
  capture = (text) => void into.push(text);
  try {
    return fn();
  } finally {
    capture = previous;
  }
}

/** Anything else writing to process.stderr must not crash the process on EPIPE either. */
process.stderr.on?.("error", () => {});
