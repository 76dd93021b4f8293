/**
 * Text as the FTS5 tokenizer sees it, shared by indexing and query parsing so both sides
 * agree on what a token is.
 *
 * CJK: unicode61 splits on spaces and punctuation, but Chinese and Japanese are written
 * without spaces, so a whole sentence would become one token and a word inside it could
 * never be found. We considered the trigram tokenizer (substring search for every script,
 * but roughly 3x the index size, no useful ranking for short terms and no terms shorter
 * than 3 characters) and chose instead to put a zero-width space (U+200B, a separator to
 * unicode61) between a Han/Hiragana/Katakana/Hangul character and its letter neighbours.
 * Each such character is then a token, and a CJK query term becomes a phrase of
 * consecutive characters — i.e. substring search — at almost no size cost for Latin text.
 * The invisible separators are stripped from snippets before anyone sees them.
 */
const CJK = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}";
const CJK_BOUNDARY = new RegExp(
  `(?<=[${CJK}])(?=[\\p{L}\\p{N}])|(?<=[\\p{L}\\p{N}])(?=[${CJK}])`,
  "gu",
);
const HAS_CJK = new RegExp(`[${CJK}]`, "u");

export const ZWSP = "\u200b";

/** Text prepared for indexing or for a quoted query term. Cheap for text without CJK. */
export function segmentText(text: string): string {
  return HAS_CJK.test(text) ? text.replace(CJK_BOUNDARY, ZWSP) : text;
}

/**
 * False when `text` certainly has no CJK character: every CJK script lies at U+1100 or
 * above (supplementary planes as surrogates). A plain range scan, several times cheaper
 * than HAS_CJK's script classes, so a file is checked once and not passage by passage.
 */
const MAYBE_CJK = /[\u1100-\uffff]/;
export function mayHaveCjk(text: string): boolean {
  return MAYBE_CJK.test(text);
}

/** Undoes segmentText for display. */
export function unsegment(text: string): string {
  return text.includes(ZWSP) ? text.replaceAll(ZWSP, "") : text;
}

// The tokenizer's token characters: `categories 'L* N* Co Mn Mc'` in migration 3 (src/store/migrations.ts).
const TOKEN_CHAR = /[\p{L}\p{N}\p{Co}\p{Mn}\p{Mc}]/u;

/** False when FTS5 would find no token in `text` (e.g. "***", "-", "()"). */
export function hasTokens(text: string): boolean {
  return TOKEN_CHAR.test(text);
}
