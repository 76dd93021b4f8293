/** Flags every bench script understands. `--smoke`: tiny inputs, so a test can run it in seconds. */
export interface BenchArgs {
  smoke: boolean;
}

export function parseArgs(argv: string[] = process.argv.slice(2)): BenchArgs {
  return { smoke: argv.includes("--smoke") };
}

/** Progress goes to stderr; stdout is reserved for the section's markdown. */
export function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}
