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
const RST_ADORNMENT = /^([!-/:-@[-`{-~])\1{2,}\s*$/;

export function chunkText(text: string): Passage[] {
  // A string split where there is no "\r" (most files): same lines, much cheaper than the
  // regex — and then a passage's text is a substring of `text`, which costs no join.
  const plain = !text.includes("\r");
  const lines = plain ? text.split("\n") : text.split(/\r\n|\n|\r/);
  if (lines.length > 1 && lines[lines.length - 1] === "") lines.pop();
  const out: Passage[] = [];
  // The passage being built is lines[from, i): no array of its own.
  let from = 0;
  let fromOffset = 0; // where lines[from] starts in `text` (when plain)
  let offset = 0; // where lines[i] starts in `text` (when plain)
  let chars = 0;
  let inFence = false;

  const flush = (to: number, toOffset: number) => {
    let a = from;
    let b = to - 1;
    while (a <= b && isBlank(lines[a]!)) a++;
    while (b >= a && isBlank(lines[b]!)) b--;
    if (a <= b) {
      let passage: string;
      if (plain) {
        // Offsets of lines a and b from those of `from` and `to`, walking only the blank edges.
        let start = fromOffset;
        for (let k = from; k < a; k++) start += lines[k]!.length + 1;
        let end = toOffset - 1;
        for (let k = to - 1; k > b; k--) end -= lines[k]!.length + 1;
        passage = text.slice(start, end);
      } else passage = lines.slice(a, b + 1).join("\n");
      out.push({ line_start: a + 1, line_end: b + 1, text: passage });
    }
    from = to;
    fromOffset = toOffset;
    chars = 0;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    // The regexes run only on lines whose first non-space character could start a match.
    let j = 0;
    while (j < 4 && line.charCodeAt(j) === 32) j++;
    const c = j < 4 ? line.charCodeAt(j) : 0;
    if ((c === 96 || c === 126) && FENCE.test(line)) inFence = !inFence;
    const heading = !inFence && ((c === 35 && ATX.test(line)) || isRstTitle(lines, i));
    if (heading && i > from) flush(i, offset);
    if (line.length > HARD_CHARS) {
      if (i > from) flush(i, offset);
      for (let off = 0; off < line.length; off += HARD_CHARS)
        out.push({ line_start: i + 1, line_end: i + 1, text: line.slice(off, off + HARD_CHARS) });
      offset += line.length + 1;
      from = i + 1;
      fromOffset = offset;
      continue;
    }
    if (chars + line.length > HARD_CHARS || i - from >= MAX_LINES) flush(i, offset);
    chars += line.length + 1;
    offset += line.length + 1;
    if (chars >= SOFT_CHARS && isBlank(line)) flush(i + 1, offset);
  }
  flush(lines.length, offset);
  return out;
}

/** line.trim() === "", without trimming the lines that plainly have text. */
function isBlank(line: string): boolean {
  if (line.length === 0) return true;
  const c = line.charCodeAt(0);
  if (c > 32 && c < 127) return false;
  return line.trim() === "";
}

/** What every RST_ADORNMENT match starts with: one ASCII punctuation character, thrice. */
function startsAdornment(line: string): boolean {
  const c = line.charCodeAt(0);
  return isAdornmentChar(c) && line.charCodeAt(1) === c && line.charCodeAt(2) === c;
}

/** ASCII punctuation, the characters of RST_ADORNMENT's class. */
function isAdornmentChar(c: number): boolean {
  return (
    (c >= 0x21 && c <= 0x2f) ||
    (c >= 0x3a && c <= 0x40) ||
    (c >= 0x5b && c <= 0x60) ||
    (c >= 0x7b && c <= 0x7e)
  );
}

/** Line i starts an RST section title: `Title` + underline, or overline + `Title` + underline. */
function isRstTitle(lines: string[], i: number): boolean {
  const line = lines[i]!;
  const next = lines[i + 1];
  if (next === undefined) return false;
  // Either this line or the next must be an adornment (RST_ADORNMENT), which starts with
  // the same punctuation character three times: a check that skips the regexes below
  // for nearly every line, bulleted and `.. directive` lines included.
  if (!startsAdornment(line) && !startsAdornment(next)) return false;
  // Overline style: this line is the overline, the next the title, the one after the underline.
  if (RST_ADORNMENT.test(line)) {
    const under = lines[i + 2];
    return (
      under !== undefined &&
      under.trimEnd() === line.trimEnd() &&
      next.trim() !== "" &&
      !RST_ADORNMENT.test(next) &&
      line.trimEnd().length >= next.trimEnd().length &&
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
