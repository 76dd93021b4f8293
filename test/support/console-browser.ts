import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { buildBinary, type Running, startBinary } from "./binary.ts";
import { type LaunchedBrowser, launchBrowser } from "./browser.ts";
import { tempDir } from "./services.ts";

export const ADMIN_TOKEN = "console-admin-token-0123456789abcdef";

/**
 * A Markdown file of sections (each a passage of its own); the "Fish" section in the
 * middle mentions zebrafish two lines below its heading.
 */
export const NOTES_NAME = "field-notes.md";
export const NOTES = (() => {
  const lines: string[] = ["# Field notes", ""];
  const section = (title: string, body: string[]) => lines.push(`## ${title}`, "", ...body, "");
  for (let s = 1; s <= 12; s++) {
    if (s === 7) section("Fish", ["A shoal of zebrafish darted under the lily pads."]);
    section(
      `Section ${s}`,
      [0, 1, 2, 3].map((i) => `Observation ${s}.${i}: nothing unusual at the pond today.`),
    );
  }
  return `${lines.join("\n")}\n`;
})();
export const ZEBRAFISH_LINE = NOTES.split("\n").findIndex((l) => l.includes("zebrafish")) + 1;

export interface ConsoleRig {
  server: Running;
  url: string;
  importDir: string;
  dataDir: string;
  launched: LaunchedBrowser;
  /** Every URL any page of any context asked for. */
  requests: string[];
  /** A fresh browser context (its own cookies) with clipboard access and a page. */
  newPage(viewport?: {
    width: number;
    height: number;
  }): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
}

/**
 * The real binary (dist/quiver, built if stale: the console's files must be embedded in
 * it), serving a fresh data directory with one import root holding a few files, and a
 * headless chromium.
 */
export async function startConsole(): Promise<ConsoleRig> {
  const binary = buildBinary();
  const dataDir = tempDir("quiver-console-");
  const importDir = tempDir("quiver-console-import-");
  mkdirSync(join(importDir, "guides"));
  for (let i = 1; i <= 3; i++)
    writeFileSync(
      join(importDir, "guides", `guide-${i}.md`),
      `# Guide ${i}\n\nHow to feed heron ${i}.\n`,
    );
  const server = await startBinary(
    binary,
    ["--data", dataDir, "--import-root", importDir, "--quiet"],
    { QUIVER_TOKEN: ADMIN_TOKEN },
    "/",
  );
  const launched = await launchBrowser();
  const requests: string[] = [];
  const contexts: BrowserContext[] = [];
  return {
    server,
    url: server.url,
    importDir,
    dataDir,
    launched,
    requests,
    async newPage(viewport = { width: 1100, height: 800 }) {
      const context = await launched.browser.newContext({ viewport });
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
      context.on("request", (r) => requests.push(r.url()));
      contexts.push(context);
      return { context, page: await context.newPage() };
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await launched.close();
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(importDir, { recursive: true, force: true });
    },
  };
}

/** Opens the console and signs in with a token through its form. */
export async function signInThroughPage(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel("Token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

/** A request with a bearer token, from the test (not the browser). */
export async function asBearer(url: string, token: string, path: string, init: RequestInit = {}) {
  const res = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
  });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
}

/** A link of the console's navigation (the page has other links called "All files"…). */
export const navLink = (p: Page, name: string) =>
  p.getByRole("navigation", { name: "Console" }).getByRole("link", { name, exact: true });
