import css from "./assets/console.css" with { type: "text" };

/**
 * The shell every page quiver shows a person shares (the console, the OAuth consent
 * page): one stylesheet, scripts only from our own origin, and headers that keep the page
 * out of frames and away from anything it did not come with. No inline script or style
 * anywhere: the Content-Security-Policy forbids them, so an injected `<script>` is inert.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers for every page and asset of the shell. */
export function pageHeaders(contentType: string): Record<string, string> {
  return {
    "content-type": contentType,
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
  };
}

export const STYLESHEET_PATH = "/console/assets/console.css";
export const STYLESHEET = css;

/** Text for HTML: the five characters that could end an element or an attribute. */
export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

export interface PageParts {
  /** Plain text; escaped here. */
  title: string;
  /** HTML for inside `<main>`, already escaped by whoever built it. */
  main: string;
  /** Script URLs on this origin (ES modules), e.g. "/console/assets/app.js". */
  scripts?: readonly string[];
  /** HTML for the header's right-hand side (navigation), already escaped. */
  nav?: string;
}

/** The page as HTML: header with the quiver mark, the main region, the scripts. */
export function renderPage({ title, main, scripts = [], nav = "" }: PageParts): string {
  const scriptTags = scripts
    .map((src) => `<script type="module" src="${escapeHtml(src)}"></script>`)
    .join("");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${STYLESHEET_PATH}">
${scriptTags}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top"><span class="brand" aria-label="quiver">&#x27b6; quiver</span>${nav}</header>
<main id="main" tabindex="-1">${main}</main>
<noscript><p class="notice">This page needs JavaScript (served by quiver itself; nothing is loaded from elsewhere).</p></noscript>
</body>
</html>
`;
}

/** A rendered page as a Response with the shell's headers. */
export function pageResponse(parts: PageParts, status = 200): Response {
  return new Response(renderPage(parts), {
    status,
    headers: pageHeaders("text/html; charset=utf-8"),
  });
}
