import type { OpenBlob } from "../store/blob-reader.ts";
import { LineCounter } from "../store/content.ts";

/**
 * A window of a text file's lines, read from the start only as far as the window needs
 * and held only as far as it is returned: 32 concurrent read_file {limit: 10} of a 32 MB
 * file peaked at 1.4 GB when each call read, decoded and split the whole file. Lines are
 * numbered as `text.split(/\r?\n/)` numbers them (a final "\n" ends the last line, it does
 * not start another), invalid UTF-8 becomes U+FFFD, and a leading BOM is dropped — as
 * decoding the whole file did.
 */
export interface WindowLimits {
  /** A line longer than this (UTF-16 units) is cut, with a marker. */
  maxLineChars: number;
  /** Lines stop once the content would pass this many characters (at least one line). */
  maxChars: number;
}

export interface LineWindow {
  lines: string[];
  /** A line was cut at maxLineChars. */
  cut: boolean;
}

const firstLine = new TextDecoder("utf-8");
const laterLine = new TextDecoder("utf-8", { ignoreBOM: true });

export async function readLineWindow(
  blob: OpenBlob,
  offset: number,
  limit: number,
  limits: WindowLimits,
): Promise<LineWindow> {
  // Enough bytes of one line to cut it at maxLineChars exactly as the whole line would be:
  // a UTF-16 unit takes at most 3 bytes (invalid bytes: one U+FFFD per 1-3 bytes).
  const keepBytes = limits.maxLineChars * 4;
  const out: string[] = [];
  let cut = false;
  let chars = 0;
  let line = 1;
  let parts: Uint8Array[] = [];
  let kept = 0;
  let over = false;
  let done = false;

  /** `ended`: the line ended with "\n" (then a "\r" before it belongs to the break). */
  const emit = (ended: boolean) => {
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    let s = (line === 1 ? firstLine : laterLine).decode(bytes);
    if (over || s.length > limits.maxLineChars) {
      s = `${s.slice(0, limits.maxLineChars)} … [line cut at ${limits.maxLineChars} characters]`;
      cut = true;
    } else if (ended && s.endsWith("\r")) s = s.slice(0, -1);
    if (chars + s.length + 1 > limits.maxChars && out.length > 0) {
      done = true;
      return;
    }
    out.push(s);
    chars += s.length + 1;
    if (out.length >= limit) done = true;
  };
  const keep = (piece: Uint8Array) => {
    if (line < offset || over) return;
    const room = keepBytes - kept;
    if (piece.byteLength > room) over = true;
    const take = piece.byteLength > room ? piece.subarray(0, room) : piece;
    // Copied: the chunk's buffer is not ours to hold on to.
    parts.push(take.slice());
    kept += take.byteLength;
  };

  let sawBytes = false;
  let endedWithNewline = false;
  // One reused buffer (keep() copies what it holds): a scan allocates nothing per chunk.
  for await (const chunk of blob.chunks(0, undefined, true)) {
    sawBytes = true;
    let i = 0;
    while (i < chunk.byteLength) {
      const nl = chunk.indexOf(10, i);
      if (line < offset) {
        // Before the window: only count line breaks.
        if (nl === -1) {
          endedWithNewline = false;
          break;
        }
        line++;
        i = nl + 1;
        endedWithNewline = i === chunk.byteLength;
        continue;
      }
      if (nl === -1) {
        keep(chunk.subarray(i));
        endedWithNewline = false;
        break;
      }
      keep(chunk.subarray(i, nl));
      if (line >= offset) emit(true);
      if (done) break;
      line++;
      parts = [];
      kept = 0;
      over = false;
      i = nl + 1;
      endedWithNewline = i === chunk.byteLength;
    }
    if (done) break;
  }
  // The last line, when the file does not end with "\n" (or is empty: one empty line).
  if (!done && line >= offset && (!sawBytes || !endedWithNewline)) emit(false);
  return { lines: out, cut };
}

/** A file's line count, for rows stored before lines were counted at write time. */
export async function countLinesOf(blob: OpenBlob): Promise<number> {
  const counter = new LineCounter();
  for await (const chunk of blob.chunks(0, undefined, true)) counter.update(chunk);
  return counter.lines;
}
