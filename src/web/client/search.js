// Search: the search tool, its query language, highlighted snippets with their line
// ranges (a click opens the file at that line), and how long each search took.
import { tool } from "./api.js";
import { errorText, h, mount } from "./dom.js";

const LIMIT = 10;
const OPEN = "\u00ab"; // «, how the search tool marks a matched word
const CLOSE = "\u00bb"; // »

const HELP = [
  [
    "how do I pin memory",
    "plain words or a question: ranked by how many meaningful words match; word forms match",
  ],
  ['"page cache"', "the exact phrase"],
  ["schedul*", "words starting with schedul (2+ characters)"],
  ["mutex OR semaphore, socket NOT windows, a AND (b OR c)", "operators, upper case only"],
  ["path:docs/ scheduler", "only files under docs/"],
];

export function render(container, params, nav) {
  const q = params.get("q") ?? "";
  const offset = Number(params.get("offset")) || 0;
  const input = h("input", {
    id: "query",
    type: "search",
    value: q,
    required: true,
    "aria-describedby": "query-help",
  });
  const results = h("div", { "aria-live": "polite" });
  mount(
    container,
    h("h1", { id: "page-title", tabindex: "-1" }, "Search"),
    h(
      "form",
      {
        class: "row",
        role: "search",
        onsubmit: (e) => {
          e.preventDefault();
          nav.go("search", { q: input.value });
        },
      },
      h("label", { for: "query", class: "grow" }, "Query", input),
      h("button", { type: "submit" }, "Search"),
    ),
    h(
      "details",
      { id: "query-help" },
      h("summary", {}, "Query language"),
      h(
        "table",
        {},
        h("thead", {}, h("tr", {}, h("th", {}, "You type"), h("th", {}, "Means"))),
        h(
          "tbody",
          {},
          HELP.map(([typed, means]) =>
            h("tr", {}, h("td", {}, h("code", {}, typed)), h("td", {}, means)),
          ),
        ),
      ),
      h(
        "p",
        { class: "muted" },
        "Accents are ignored (cafe finds café); common words (the, how, is) are skipped.",
      ),
    ),
    results,
  );
  if (!q) input.focus();
  else run(results, q, offset);
}

async function run(results, query, offset) {
  mount(results, h("p", { class: "muted" }, "Searching…"));
  const started = performance.now();
  let found;
  try {
    found = await tool("search", { query, limit: LIMIT, offset });
  } catch (err) {
    mount(results, h("p", { class: "error", role: "alert" }, errorText(err)));
    return;
  }
  const ms = Math.round(performance.now() - started);
  const total = found.total ?? found.results.length;
  const summary = `${total}${found.total_is_lower_bound ? "+" : ""} matching passage${total === 1 ? "" : "s"} · ${ms} ms`;
  const more = offset + found.results.length < total;
  mount(
    results,
    h("p", { class: "muted", id: "search-summary" }, summary),
    found.results.length
      ? h("ol", { class: "results", start: String(offset + 1) }, found.results.map(hit))
      : h("p", {}, "Nothing matched. Try fewer or other words."),
    h(
      "div",
      { class: "row" },
      offset > 0
        ? h(
            "a",
            { class: "button secondary", href: link(query, Math.max(0, offset - LIMIT)) },
            "Previous",
          )
        : null,
      more
        ? h("a", { class: "button secondary", href: link(query, offset + LIMIT) }, "Next")
        : null,
    ),
  );
}

const link = (q, offset) => `#/search?${new URLSearchParams({ q, offset: String(offset) })}`;

function hit(r) {
  // The passage's range, and the words the snippet marks: the viewer opens at the first
  // line of the passage holding one of them.
  const words = [...r.snippet.matchAll(/\u00ab([^\u00bb]*)\u00bb/g)].map((m) => m[1]);
  const params = { path: r.path, line: String(r.line_start), end: String(r.line_end) };
  if (words.length) params.hl = [...new Set(words)].join("\n");
  return h(
    "li",
    {},
    h("a", { href: `#/files?${new URLSearchParams(params)}`, class: "hit" }, r.path),
    " ",
    h("span", { class: "muted" }, `lines ${r.line_start}\u2013${r.line_end}`),
    h("p", { class: "snippet code" }, highlighted(r.snippet)),
  );
}

/** The snippet with «matched» words as <mark> elements (text nodes only, never HTML). */
export function highlighted(snippet) {
  const parts = [];
  let rest = snippet;
  for (;;) {
    const open = rest.indexOf(OPEN);
    const close = open === -1 ? -1 : rest.indexOf(CLOSE, open + 1);
    if (close === -1) break;
    parts.push(rest.slice(0, open), h("mark", {}, rest.slice(open + 1, close)));
    rest = rest.slice(close + 1);
  }
  parts.push(rest);
  return parts;
}
