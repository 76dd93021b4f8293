import type { Passage } from "./chunk.ts";

/**
 * The fields a passage is scored on besides its body: its file's title and the section
 * headings above it. Derived from the passages alone, after chunking: chunkText cuts before
 * every heading, so a heading can only be a passage's first line (ATX `# x`) or first two or
 * three lines (a reStructuredText title with its underline, and maybe an overline). That
 * keeps the import worker's wire format (passages as text + line ranges) unchanged, and
 * costs one look at the start of each passage.
 */
export interface PassageFields {
  /** The file's first heading, else its first line (bounded). */
  title: string;
  /** Per passage: the headings it sits under, outermost first, the title left out. */
  headings: string[];
}

const ATX = /^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const ADORNMENT = /^([!-/:-@[-`{-~])\1{2,}\s*$/;
const MAX_TITLE_CHARS = 200;
const MAX_HEADINGS_CHARS = 500;

interface Heading {
  /** ATX: 1..6; RST: the adornment character, with "^" before it when overlined. */
  style: number | string;
  text: string;
}

/** The heading a passage starts with, if it starts with one. */
export function leadingHeading(text: string): Heading | null {
  const nl = text.indexOf("\n");
  const first = nl === -1 ? text : text.slice(0, nl);
  const atx = ATX.exec(first);
  if (atx) return { style: atx[1]!.length, text: atx[2]! };
  if (nl === -1) return null;
  const nl2 = text.indexOf("\n", nl + 1);
  const second = text.slice(nl + 1, nl2 === -1 ? undefined : nl2);
  if (ADORNMENT.test(first)) {
    // Overline, title, underline.
    const nl3 = nl2 === -1 ? -1 : text.indexOf("\n", nl2 + 1);
    const third = nl2 === -1 ? "" : text.slice(nl2 + 1, nl3 === -1 ? undefined : nl3);
    if (third.trimEnd() === first.trimEnd() && second.trim() !== "")
      return { style: `^${first[0]}`, text: second.trim() };
    return null;
  }
  if (
    ADORNMENT.test(second) &&
    first.trim() !== "" &&
    second.trimEnd().length >= first.trimEnd().length
  )
    return { style: second[0]!, text: first.trim() };
  return null;
}

export function passageFields(passages: readonly Passage[]): PassageFields {
  // Section levels in order of first appearance, as reStructuredText defines them.
  const levels = new Map<number | string, number>();
  const stack: string[] = [];
  let title: string | undefined;
  const headings: string[] = [];
  for (const p of passages) {
    const h = leadingHeading(p.text);
    if (h) {
      let level = typeof h.style === "number" ? h.style - 1 : levels.get(h.style);
      if (level === undefined) {
        level = levels.size;
        levels.set(h.style, level);
      }
      if (title === undefined) title = h.text;
      stack.length = Math.min(stack.length, level);
      stack[level] = h.text;
    }
    headings.push(
      stack
        .filter((s, i) => s !== undefined && !(i === 0 && s === title))
        .join(" / ")
        .slice(0, MAX_HEADINGS_CHARS),
    );
  }
  if (title === undefined) {
    const first = passages[0]?.text ?? "";
    const nl = first.indexOf("\n");
    title = (nl === -1 ? first : first.slice(0, nl)).trim();
  }
  return { title: title.slice(0, MAX_TITLE_CHARS), headings };
}
