import type { Passage } from "../store/chunk.ts";
import type { Prepared, PrepareItem } from "./prepare-file.ts";

/**
 * How a prepared batch crosses from the import worker to the main thread. postMessage
 * structured-clones what it is given; tens of thousands of small passage objects per
 * batch would cost the main thread — the one we are trying to free — a noticeable share
 * of the work we moved off it. So the passages travel as ONE string (all their texts,
 * back to back) plus one transferred Int32Array (line_start, line_end, end offset per
 * passage), and the main thread cuts the string up again (substrings are cheap).
 * Paths are not sent: the main thread has them in the batch it asked for.
 */
export interface WireBatch {
  files: WireFile[];
  texts: string;
  nums: Int32Array;
}

type WireFile =
  | { kind: "unchanged" }
  | { kind: "skipped"; reason: string }
  /** passages: how many of the batch's passages are this file's, -1 for none (not indexed). */
  | {
      kind: "write";
      hash: string;
      size: number;
      lines?: number;
      isText: boolean;
      passages: number;
    };

export function encodeBatch(prepared: Prepared[]): WireBatch {
  let count = 0;
  for (const p of prepared)
    if (p.kind === "write" && p.entry.passages) count += p.entry.passages.length;
  const nums = new Int32Array(count * 3);
  const texts: string[] = new Array(count);
  let k = 0;
  let end = 0;
  const files = prepared.map((p): WireFile => {
    if (p.kind !== "write") return p;
    const { hash, size, lines, isText, passages } = p.entry;
    for (const x of passages ?? []) {
      end += x.text.length;
      nums[k * 3] = x.line_start;
      nums[k * 3 + 1] = x.line_end;
      nums[k * 3 + 2] = end;
      texts[k++] = x.text;
    }
    return {
      kind: "write",
      hash,
      size,
      lines,
      isText,
      passages: passages ? passages.length : -1,
    };
  });
  return { files, texts: texts.join(""), nums };
}

/** The inverse of encodeBatch; `items` is the batch that was sent, in the same order. */
export function decodeBatch(wire: WireBatch, items: PrepareItem[]): Prepared[] {
  const { texts, nums } = wire;
  let k = 0;
  let start = 0;
  return wire.files.map((f, j): Prepared => {
    if (f.kind !== "write") return f;
    const entry = {
      path: items[j]!.path,
      hash: f.hash,
      size: f.size,
      lines: f.lines,
      isText: f.isText,
    } as Extract<Prepared, { kind: "write" }>["entry"];
    if (f.passages >= 0) {
      const passages: Passage[] = new Array(f.passages);
      for (let i = 0; i < f.passages; i++, k++) {
        const end = nums[k * 3 + 2]!;
        passages[i] = {
          line_start: nums[k * 3]!,
          line_end: nums[k * 3 + 1]!,
          text: texts.slice(start, end),
        };
        start = end;
      }
      entry.passages = passages;
    }
    return { kind: "write", entry };
  });
}
