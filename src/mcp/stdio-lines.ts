/**
 * Newline-delimited input, bounded. A line is held only up to `maxBytes`: past that its
 * bytes are dropped as they arrive and the reader skips to the next newline, so a
 * 192 MB line costs no more memory than the limit (it took 24 s and 1.6 GB when the
 * transport buffered it whole). Works on bytes, so a chunk is scanned once.
 */
export type InputLine = { text: string } | { tooLong: number };

export async function* boundedLines(
  input: AsyncIterable<Uint8Array>,
  maxBytes: number,
): AsyncGenerator<InputLine> {
  const decoder = new TextDecoder();
  let parts: Uint8Array[] = [];
  let size = 0; // bytes of the current line seen so far (kept or dropped)
  const finish = (): InputLine => {
    const line: InputLine =
      size > maxBytes ? { tooLong: size } : { text: decoder.decode(Buffer.concat(parts)) };
    parts = [];
    size = 0;
    return line;
  };
  for await (const chunk of input) {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      take(chunk.subarray(start, nl));
      yield finish();
      start = nl + 1;
    }
    take(chunk.subarray(start));
  }
  if (size > 0) yield finish();

  function take(bytes: Uint8Array): void {
    if (bytes.byteLength === 0) return;
    size += bytes.byteLength;
    if (size > maxBytes) parts = [];
    // Copied: the stream may reuse the chunk's buffer for the next read.
    else parts.push(bytes.slice());
  }
}
