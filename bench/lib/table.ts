/** Markdown tables and number formatting for the bench reports. */
export type Cell = string | number | undefined;

export function table(headers: string[], rows: Cell[][], align?: ("l" | "r")[]): string {
  const out = [
    `| ${headers.join(" | ")} |`,
    `|${headers.map((_, i) => ((align?.[i] ?? "l") === "r" ? "---:" : "---")).join("|")}|`,
  ];
  for (const row of rows) out.push(`| ${headers.map((_, i) => fmtCell(row[i])).join(" | ")} |`);
  return out.join("\n");
}

function fmtCell(value: Cell): string {
  if (value === undefined) return "—";
  return String(value).replaceAll("|", "\\|").replaceAll("\n", " ");
}

/** 12345.6 → "12,346" */
export function int(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

export function ms(n: number): string {
  return n >= 100 ? `${n.toFixed(0)} ms` : n >= 10 ? `${n.toFixed(1)} ms` : `${n.toFixed(2)} ms`;
}

export function ratio(a: number, b: number): string {
  if (!(b > 0)) return "—";
  const r = a / b;
  return r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`;
}

export function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
