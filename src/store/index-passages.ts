import { chunkText, type Passage } from "./chunk.ts";
import { mayHaveCjk, segmentText } from "./search-text.ts";

/**
 * A text file as the search index stores it: NFC-normalised, cut into passages, each
 * passage's text segmented for the tokenizer. Pure CPU work with no database access, so
 * a bulk import can run it on a worker thread and hand the main thread only the inserts
 * (SearchIndex.indexPassages); SearchIndex.index runs it in place for everything else.
 */
export function passagesForIndex(text: string): Passage[] {
  const nfc = text.normalize("NFC");
  const passages = chunkText(nfc);
  if (mayHaveCjk(nfc)) for (const p of passages) p.text = segmentText(p.text);
  return passages;
}
