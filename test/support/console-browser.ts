import { afterAll, beforeAll, test } from "bun:test";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { buildBinary, type Running, startBinary } from "./binary.ts";
import { type LaunchedBrowser, launchBrowser, requireBrowser } from "./browser.ts";
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

/** The guides each console's import root holds (`guides/guide-N.md`). */
export const GUIDES = [1, 2, 3].map((i) => ({
  name: `guide-${i}.md`,
  text: `# Guide ${i}\n\nHow to feed heron ${i}.\n`,
}));

/** One test's console: its own server and data directory, its own browser contexts. */
export interface ConsoleRig {
  server: Running;
  url: string;
  importDir: string;
  dataDir: string;
  /** Every URL any page of this rig's contexts asked for. */
  requests: string[];
  /** A fresh browser context (its own cookies) with clipboard access and a page. */
  newPage(viewport?: {
    width: number;
    height: number;
  }): Promise<{ context: BrowserContext; page: Page }>;
  /** A fresh page, signed in as admin through the console's form. */
  adminPage(): Promise<Page>;
  /** Stores a file through the API (set-up, not what the test is about). */
  put(path: string, body: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real binary (dist/quiver, built if stale: the console's files must be embedded in
 * it), serving a fresh data directory with one import root holding a few guides, with
 * pages from `browser`. A server starts in ~0.1 s, so every test gets its own: no test sees
 * what another left behind, and each passes alone and in any order.
 */
export async function openConsole(browser: Browser): Promise<ConsoleRig> {
  const binary = buildBinary();
  const dataDir = tempDir("quiver-console-");
  const importDir = tempDir("quiver-console-import-");
  mkdirSync(join(importDir, "guides"));
  for (const guide of GUIDES) writeFileSync(join(importDir, "guides", guide.name), guide.text);
  const server = await startBinary(
    binary,
    ["--data", dataDir, "--import-root", importDir, "--quiet"],
    { QUIVER_TOKEN: ADMIN_TOKEN },
    "/",
  );
  const requests: string[] = [];
  const contexts: BrowserContext[] = [];
  const rig: ConsoleRig = {
    server,
    url: server.url,
    importDir,
    dataDir,
    requests,
    async newPage(viewport = { width: 1100, height: 800 }) {
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
      context.on("request", (r) => requests.push(r.url()));
      return { context, page: await context.newPage() };
    },
    async adminPage() {
      const { page } = await rig.newPage();
      await signInThroughPage(page, server.url, ADMIN_TOKEN);
      return page;
    },
    async put(path, body) {
      const res = await asBearer(server.url, ADMIN_TOKEN, `/files/${path}`, {
        method: "PUT",
        body,
      });
      if (res.status !== 201) throw new Error(`PUT ${path}: ${res.status}`);
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(importDir, { recursive: true, force: true });
    },
  };
  return rig;
}

/**
 * `test`, given a console of its own (openConsole) in the file's one headless chromium
 * (launched before the file's first test, closed after its last). Skipped, and said so,
 * where chromium is missing, except under CI=true (requireBrowser).
 */
export function consoleTests(): {
  run: boolean;
  consoleTest(name: string, body: (rig: ConsoleRig) => Promise<void>): void;
} {
  const run = requireBrowser();
  let launched: LaunchedBrowser | undefined;
  beforeAll(async () => {
    if (run) launched = await launchBrowser();
  });
  afterAll(async () => {
    await launched?.close();
  });
  return {
    run,
    consoleTest(name, body) {
      test(name, async () => {
        const rig = await openConsole(launched!.browser);
        try {
          await body(rig);
        } finally {
          await rig.close();
        }
      });
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
