// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright locators' innerText(), not DOM nodes
import { describe, expect } from "bun:test";
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import {
  ADMIN_TOKEN,
  asBearer,
  consoleTests,
  NOTES,
  NOTES_NAME,
  navLink,
  ZEBRAFISH_LINE,
} from "./support/console-browser.ts";

// Names that exist in the browser, where page.evaluate runs these functions (the test
// files are typed without the DOM library).
declare const document: any;
declare const DataTransfer: any;
declare const localStorage: any;
declare const sessionStorage: any;

// The web console in headless chromium against the real binary (its pages and scripts
// must be embedded in dist/quiver), used the way a person would: labels, buttons, keys.
// Each test has a server and a browser context of its own (consoleTests).
const { run, consoleTest } = consoleTests();

/** Searches through the Search page, as a person would, and waits for the first hit. */
async function searchFor(page: Page, query: string) {
  await navLink(page, "Search").click();
  await page.getByLabel("Query").fill(query);
  await page.keyboard.press("Enter");
  const hit = page.locator(".results li").first();
  await hit.waitFor();
  return hit;
}

describe.skipIf(!run)("the web console, signed in as admin", () => {
  consoleTest(
    "signs in with a token; the session is an HttpOnly cookie, nothing in storage",
    async (rig) => {
      const { page } = await rig.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${rig.url}/`);
      await page.getByLabel("Token").fill("qv_not-a-token");
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("alert").filter({ hasText: "not valid" }).waitFor();
      await page.getByLabel("Token").fill(ADMIN_TOKEN);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("button", { name: "Sign out" }).waitFor();
      const nav = await page.getByRole("navigation", { name: "Console" }).innerText();
      for (const label of ["Files", "Search", "Jobs", "Tokens", "Connect"])
        expect(nav).toContain(label);
      const seen = await page.evaluate(() => ({
        cookie: document.cookie,
        local: localStorage.length,
        session: sessionStorage.length,
      }));
      expect(seen).toEqual({ cookie: "", local: 0, session: 0 });
      const [cookie] = await page.context().cookies();
      expect(cookie).toMatchObject({ name: "quiver_session", httpOnly: true, sameSite: "Strict" });
      expect(errors).toEqual([]);
    },
  );

  consoleTest("uploads a file with the picker and another by drag and drop", async (rig) => {
    const page = await rig.adminPage();
    await navLink(page, "Files").click();
    await page.getByLabel(/choose files/).setInputFiles({
      name: NOTES_NAME,
      mimeType: "text/markdown",
      buffer: Buffer.from(NOTES),
    });
    await page.getByRole("link", { name: NOTES_NAME, exact: true }).waitFor();
    const dropped = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(["dropped by hand\n"], "dropped.txt", { type: "text/plain" }));
      return dt;
    });
    await page.getByLabel("Into folder").fill("inbox");
    await page.dispatchEvent("#dropzone", "drop", { dataTransfer: dropped });
    await page.getByRole("link", { name: "inbox/" }).waitFor();
    const stored = await asBearer(rig.url, ADMIN_TOKEN, "/files?prefix=");
    expect(stored.json.files.map((f: any) => f.path)).toEqual([NOTES_NAME, "inbox/dropped.txt"]);
    const dropBody = await fetch(`${rig.url}/files/inbox/dropped.txt`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await dropBody.text()).toBe("dropped by hand\n");
  });

  consoleTest(
    "finds a file by search, with highlighted words, the line range and the time taken",
    async (rig) => {
      await rig.put(NOTES_NAME, NOTES);
      const page = await rig.adminPage();
      const hit = await searchFor(page, "zebrafish");
      expect(await hit.getByRole("link").innerText()).toBe(NOTES_NAME);
      expect(await hit.locator("mark").first().innerText()).toBe("zebrafish");
      expect(await hit.innerText()).toMatch(/lines \d+–\d+/);
      await page.getByText("Query language").click();
      expect(await page.locator("#query-help").innerText()).toContain('"page cache"');
      expect(await page.locator("#search-summary").innerText()).toMatch(
        /^1 matching passage · \d+ ms$/,
      );
    },
  );

  consoleTest(
    "a click on a search hit opens the file at that line, numbered, in view",
    async (rig) => {
      await rig.put(NOTES_NAME, NOTES);
      const page = await rig.adminPage();
      await searchFor(page, "zebrafish");
      await page.locator(".results a.hit").first().click();
      const target = page.locator("ol.code li.target");
      await target.waitFor();
      expect(await target.getAttribute("id")).toBe(`L${ZEBRAFISH_LINE}`);
      expect(await target.innerText()).toContain("zebrafish");
      const box = (await target.boundingBox())!;
      expect(box.y).toBeGreaterThan(0);
      expect(box.y + box.height).toBeLessThan(800);
      expect(await page.locator("ol.code").getAttribute("start")).toBe("1");
      expect(await page.locator("ol.code li").count()).toBe(NOTES.split("\n").length - 1);
    },
  );

  consoleTest("refuses a request without the CSRF token", async (rig) => {
    const page = await rig.adminPage();
    const answer = await page.evaluate(async () => {
      const res = await fetch("/tools/write_file", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ path: "forged.txt", content: "x" }),
      });
      return { status: res.status, body: (await res.json()) as any };
    });
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe("csrf_failed");
    expect((await asBearer(rig.url, ADMIN_TOKEN, "/files/forged.txt")).status).toBe(404);
  });

  consoleTest("browses into a folder and downloads a file", async (rig) => {
    await rig.put("inbox/dropped.txt", "dropped by hand\n");
    const page = await rig.adminPage();
    await navLink(page, "Files").click();
    await page.getByRole("link", { name: "inbox/" }).click();
    await page.getByRole("navigation", { name: "Folder" }).getByText("inbox").waitFor();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download inbox/dropped.txt" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("dropped.txt");
    expect(readFileSync((await download.path())!, "utf8")).toBe("dropped by hand\n");
  });

  consoleTest("deletes a file only after confirmation", async (rig) => {
    await rig.put(NOTES_NAME, NOTES);
    const page = await rig.adminPage();
    await navLink(page, "Files").click();
    await page.getByRole("button", { name: `Delete ${NOTES_NAME}` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    expect((await asBearer(rig.url, ADMIN_TOKEN, `/files/${NOTES_NAME}`)).status).toBe(200);
    await page.getByRole("button", { name: `Delete ${NOTES_NAME}` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await page
      .locator("#live")
      .filter({ hasText: `Deleted ${NOTES_NAME}` })
      .waitFor();
    expect((await asBearer(rig.url, ADMIN_TOKEN, `/files/${NOTES_NAME}`)).status).toBe(404);
  });

  consoleTest(
    "every page comes from this server, never with the token in a URL; signing out ends the session",
    async (rig) => {
      await rig.put(NOTES_NAME, NOTES);
      const page = await rig.adminPage();
      // Every page, a search and a file view: what a session asks the network for.
      for (const name of ["Files", "Search", "Jobs", "Tokens", "Connect"]) {
        await navLink(page, name).click();
        await page.getByRole("heading", { level: 1, name }).waitFor();
      }
      await searchFor(page, "zebrafish");
      await page.locator(".results a.hit").first().click();
      await page.locator("ol.code li.target").waitFor();
      expect(rig.requests.length).toBeGreaterThan(0);
      const foreign = rig.requests.filter((u) => !u.startsWith(rig.url) && !u.startsWith("data:"));
      expect(foreign).toEqual([]);
      expect(rig.requests.some((u) => u.includes(ADMIN_TOKEN))).toBe(false);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Token").waitFor();
      const after = await page.evaluate(async () => (await fetch("/files")).status);
      expect(after).toBe(401);
    },
  );
});
