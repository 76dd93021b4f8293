/**
 * Splits a text file into passages with 1-based, inclusive line ranges, so a search hit
 * points at the lines that matter rather than at a whole file.
 *
 * Boundaries, in order of preference:
 * - before a heading: Markdown ATX (`# Title`, outside ``` fences) or reStructuredText
 *   (a title line underlined — optionally also overlined — with a repeated punctuation
 *   character at least as long as the title);
 * - at a blank line once the passage has reached SOFT_CHARS;
 * - anywhere once it reaches HARD_CHARS or MAX_LINES.
 * A single line longer than HARD_CHARS (minified code, base64) is cut into pieces that
 * share its line number. Blank lines at a passage's edges are not part of its range.
 */
export interface Passage {
  line_start: number;
  line_end: number;
  text: string;
}

export const SOFT_CHARS = 800;
export const HARD_CHARS = 3000;
export const MAX_LINES = 60;

const ATX = /^ {0,3}#{1,6}(\s|$)/;
const FENCE = /^ {0,3}(```|~~~)/;
const RST_ADORNMENT = /^([!-\/:-@\[-`{-~])\1{2,}\s*$/;
const ADORNMENT_CHAR = /^[!-\/:-@\[-`{-~]$/;

export function chunkText(text: string): Passage[] {
  // A string split where there is no "\r" (most files): same lines, much cheaper than the regex.
  const lines = text.includes("\r") ? text.split(/\r\n|\n|\r/) : text.split("\n");
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const out: Passage[] = [];
  let buf: string[] = [];
  let start = 1; // line number of buf[0]
  let chars = 0;
  let inFence = false;

  const flush = () => {
    let a = 0;
    let b = buf.length - 1;
    while (a <= b && buf[a]!.trim() === "") a++;
    while (b >= a && buf[b]!.trim() === "") b--;
    if (a <= b) out.push({ line_start: start + a, line_end: start + b, text: buf.slice(a, b + 1).join("\n") });
    start += buf.length;
    buf = [];
    chars = 0;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (FENCE.test(line)) inFence = !inFence;
    const heading = !inFence && (ATX.test(line) || isRstTitle(lines, i));
    if (heading && buf.length > 0) flush();
    if (line.length > HARD_CHARS) {
      if (buf.length > 0) flush();
      for (let off = 0; off < line.length; off += HARD_CHARS)
        out.push({ line_start: start, line_end: start, text: line.slice(off, off + HARD_CHARS) });
      start++;
      continue;
    }
    if (chars + line.length > HARD_CHARS || buf.length >= MAX_LINES) flush();
    buf.push(line);
    chars += line.length + 1;
    if (chars >= SOFT_CHARS && line.trim() === "") flush();
  }
  flush();
  return out;
}

/** Line i starts an RST section title: `Title` + underline, or overline + `Title` + underline. */
function isRstTitle(lines: string[], i: number): boolean {
  const line = lines[i]!;
  const next = lines[i + 1];
  if (next === undefined) return false;
  // Either this line or the next must be an adornment, which starts with punctuation:
  // a one-character check that skips the regexes below for nearly every line.
  if (!ADORNMENT_CHAR.test(line.charAt(0)) && !ADORNMENT_CHAR.test(next.charAt(0))) return false;
  // Overline style: this line is the overline, the next the title, the one after the underline.
  if (RST_ADORNMENT.test(line)) {
    const under = lines[i + 2];
    return (
      under !== undefined && under.trimEnd() === line.trimEnd() && next.trim() !== "" &&
      !RST_ADORNMENT.test(next) && line.trimEnd().length >= next.trimEnd().length &&
      (i === 0 || lines[i - 1]!.trim() === "")
    );
  }
  const title = line.trimEnd();
  if (title.trim() === "" || /^\s/.test(line)) return false;
  if (!RST_ADORNMENT.test(next) || next.trimEnd().length < title.length) return false;
  // Not the title line of an overlined title (that one starts at the overline).
  const prev = i > 0 ? lines[i - 1]! : "";
  return !(RST_ADORNMENT.test(prev) && prev.trimEnd() === next.trimEnd());
}
