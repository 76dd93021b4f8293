import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

/** Debian's chromium, installed by .ci/install-chromium.sh; never a downloaded browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Whether the browser tests can run here. Under CI=true they must: see requireBrowser. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/**
 * Fails under CI=true when chromium is missing (CI installs it, so its absence is a broken
 * run, not a reason to skip); elsewhere the caller skips and says so.
 */
export function requireBrowser(): boolean {
  if (HAVE_CHROMIUM) return true;
  if (process.env.CI === "true")
    throw new Error(`${CHROMIUM} is missing: .ci/install-chromium.sh should have installed it`);
  console.warn(`browser tests skipped: ${CHROMIUM} is not installed (run .ci/install-chromium.sh)`);
  return false;
}

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/**
 * Headless chromium with a fresh profile (playwright makes and removes a temporary one). The background-networking flags matter on these
 * machines: without them chromium opens connections the closed network refuses, many at once.
 */
export async function launchBrowser(): Promise<LaunchedBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}
