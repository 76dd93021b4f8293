/**
 * Screenshots of the web console for docs/ and the README: `npx bun test/support/console-screenshots.ts`.
 * The real binary, a store holding this repository's README and docs, an import of the
 * sources run as a job, and each page as a person would leave it.
 */
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { buildBinary, ROOT, startBinary } from "./binary.ts";
import { launchBrowser } from "./browser.ts";
import { ADMIN_TOKEN, asBearer, signInThroughPage } from "./console-browser.ts";
import { tempDir } from "./services.ts";

// The binary and its data where a reader's would be, more or less: <tmp>/bin, <tmp>/quiver-data.
const home = tempDir("quiver-shots-");
const binary = join(home, "bin", "quiver");
mkdirSync(join(home, "bin"));
copyFileSync(buildBinary(), binary);
chmodSync(binary, 0o755);
const dataDir = join(home, "quiver-data");
const project = join(home, "project");
cpSync(join(ROOT, "src"), join(project, "src"), { recursive: true });
const server = await startBinary(
  binary,
  ["--data", dataDir, "--import-root", project, "--quiet"],
  { QUIVER_TOKEN: ADMIN_TOKEN },
  "/",
);
const put = (path: string, file: string) =>
  fetch(`${server.url}/files/${path}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    body: readFileSync(join(ROOT, file)),
  });
await put("docs/README.md", "README.md");
await put("docs/performance.md", "docs/performance.md");
await put("notes/todo.md", "docs/performance.md");
for (const [name, scope] of [
  ["claude-code", "write"],
  ["ci-bot", "read"],
] as const)
  await asBearer(server.url, ADMIN_TOKEN, "/tokens", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name, scope }),
  });

const { browser, close } = await launchBrowser();
const shot = (name: string) => join(ROOT, "docs", `console-${name}.png`);
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
  await page.goto(`${server.url}/`);
  await page.getByLabel("Token").waitFor();
  await page.screenshot({ path: shot("sign-in") });
  await signInThroughPage(page, server.url, ADMIN_TOKEN);
  const nav = (name: string) =>
    page.getByRole("navigation", { name: "Console" }).getByRole("link", { name, exact: true });

  await page.goto(`${server.url}/#/files?prefix=docs/`);
  await page.locator("table").waitFor();
  await page.screenshot({ path: shot("files") });

  await nav("Search").click();
  await page.getByLabel("Query").fill("first-run admin token");
  await page.keyboard.press("Enter");
  await page.locator(".results li").first().waitFor();
  await page.screenshot({ path: shot("search") });

  await page.locator(".results a.hit").first().click();
  await page.locator("ol.code li.target").waitFor();
  await page.screenshot({ path: shot("file") });

  await nav("Jobs").click();
  await page.getByLabel(/Directory on the server/).fill(join(project, "src"));
  await page.getByLabel("Into folder").fill("source/");
  await page.getByRole("button", { name: "Import" }).click();
  await page.locator("#jobs .status.succeeded").first().waitFor({ timeout: 60_000 });
  await page.screenshot({ path: shot("jobs") });

  await nav("Tokens").click();
  await page.getByLabel("Name").fill("laptop");
  await page.getByRole("button", { name: "Create token" }).click();
  await page.locator("#new-secret").waitFor();
  await page.screenshot({ path: shot("tokens") });

  await nav("Connect").click();
  await page.locator("#snippet-curl").waitFor();
  await page.screenshot({ path: shot("connect"), fullPage: true });

  await page.setViewportSize({ width: 390, height: 844 });
  await nav("Search").click();
  await page.getByLabel("Query").fill("import progress");
  await page.keyboard.press("Enter");
  await page.locator(".results li").first().waitFor();
  await page.screenshot({ path: shot("phone") });
} finally {
  await close();
  await server.stop();
  rmSync(home, { recursive: true, force: true });
}
console.log("screenshots written to docs/console-*.png");
