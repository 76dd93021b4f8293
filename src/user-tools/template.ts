/*
 * `{param}` placeholders of declarative tools, parsed once at start: every name must be a
 * parameter of the tool's input schema, so a typo is a start-up error, not an empty string.
 */

export type Piece = { text: string } | { param: string };

const PLACEHOLDER = /\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g;

export function parseTemplate(template: string): Piece[] {
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m.index > last) pieces.push({ text: template.slice(last, m.index) });
    pieces.push({ param: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < template.length) pieces.push({ text: template.slice(last) });
  return pieces;
}

export const paramsOf = (pieces: Piece[]) => pieces.flatMap((p) => ("param" in p ? [p.param] : []));

/** A parameter's value as text: strings, numbers and booleans only (arrays would be ambiguous). */
export function valueText(value: unknown, param: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
    return String(value);
  throw new TypeError(`parameter ${param} must be a string, number or boolean to fill {${param}}`);
}

export function fill(
  pieces: Piece[],
  args: Record<string, unknown>,
  encode: (s: string) => string = (s) => s,
): string {
  return pieces
    .map((p) => ("text" in p ? p.text : encode(valueText(args[p.param], p.param) ?? "")))
    .join("");
}
