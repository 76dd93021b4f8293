/**
 * English function words, ignored in plain-word queries: in "how do I install a package"
 * only `install` and `package` say what is wanted, and requiring (or ranking by) the rest
 * only adds noise and cost — each would match most passages. The list is the classic
 * NLTK/Snowball English set, lower case, apostrophes dropped as the tokenizer drops them
 * ("don't" is the tokens `don` and `t`). A query made only of these keeps them (`to be or
 * not to be`), and a quoted phrase keeps its own.
 */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a about above after again against all am an and any are aren as at be because been before " +
    "being below between both but by can couldn d did didn do does doesn doing don down during " +
    "each few for from further had hadn has hasn have haven having he her here hers herself him " +
    "himself his how i if in into is isn it its itself just ll m ma me mightn more most mustn my " +
    "myself needn no nor not now o of off on once only or other our ours ourselves out over own " +
    "re s same shan she should shouldn so some such t than that the their theirs them themselves " +
    "then there these they this those through to too under until up ve very was wasn we were " +
    "weren what when where which while who whom why will with won would wouldn y you your yours " +
    "yourself yourselves"
  ).split(" "),
);

export function isStopword(word: string): boolean {
  return STOPWORDS.has(word.toLowerCase());
}
