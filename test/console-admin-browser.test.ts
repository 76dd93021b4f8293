// biome-ignore-all lint/performance/useDomNodeTextContent: these are playwright locators' innerText(), not DOM nodes
import { describe, expect } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "bun";
import type { Page } from "playwright-core";
import { openDatabase } from "../src/store/db.ts";
import { JobQueue } from "../src/store/jobs.ts";
import { CodeStore } from "../src/store/oauth-codes.ts";
import { GrantStore } from "../src/store/oauth-grants.ts";
import { ROOT } from "./support/binary.ts";
import {
  ADMIN_TOKEN,
  asBearer,
  type ConsoleRig,
  consoleTests,
  GUIDES,
  navLink,
  signInThroughPage,
} from "./support/console-browser.ts";

// Names that exist in the browser, where page.evaluate runs these functions (the test
// files are typed without the DOM library).
declare const document: any;
type HTMLProgressElement = { value: number; max: number };
const clipboardText = (p: Page) => p.evaluate(() => (navigator as any).clipboard.readText());

// The web console's Jobs, Tokens and Connect pages, and a read token's view of it, in
// headless chromium against the real binary (see console-browser.test.ts for the rest).
// Each test has a server and a browser context of its own (consoleTests).
const { run, consoleTest } = consoleTests();

/** A page signed in as admin, on one of the console's pages (its heading shown). */
async function adminOn(rig: ConsoleRig, name: string): Promise<Page> {
  const page = await rig.adminPage();
  await navLink(page, name).click();
  await page.getByRole("heading", { level: 1, name }).waitFor();
  return page;
}

describe.skipIf(!run)("the web console's admin pages", () => {
  consoleTest("signs in", async (rig) => {
    const { page } = await rig.newPage();
    await signInThroughPage(page, rig.url, ADMIN_TOKEN);
    expect(await page.getByRole("button", { name: "Sign out" }).isVisible()).toBe(true);
  });

  consoleTest("starts an import and watches it finish, with its progress", async (rig) => {
    const page = await adminOn(rig, "Jobs");
    await page.getByLabel(/Directory on the server/).fill(rig.importDir);
    await page.getByLabel("Into folder").fill("handbook/");
    await page.getByRole("button", { name: "Import" }).click();
    const row = page.locator("#jobs tbody tr").first();
    await row.locator(".status.succeeded").waitFor({ timeout: 60_000 });
    expect(await row.innerText()).toContain(`import ${rig.importDir} → handbook/`);
    const bar = row.locator("progress");
    expect(await bar.evaluate((p: HTMLProgressElement) => [p.value, p.max])).toEqual([3, 3]);
    expect(await row.innerText()).toContain("3 / 3");
    const listed = await asBearer(rig.url, ADMIN_TOKEN, "/files?prefix=handbook/");
    expect(listed.json.files).toHaveLength(3);
  });

  consoleTest(
    "an import the server refuses says why; a job that fails shows its error",
    async (rig) => {
      const page = await adminOn(rig, "Jobs");
      await page.getByLabel(/Directory on the server/).fill("/etc");
      await page.getByRole("button", { name: "Import" }).click();
      await page
        .locator("#live")
        .filter({ hasText: "is not a directory under the import roots" })
        .waitFor();
      // A job the worker cannot run (a kind this server does not know), queued directly.
      const db = openDatabase(rig.dataDir);
      const job = new JobQueue(db).enqueue("console-test", {}, { maxAttempts: 1 });
      db.close(false);
      const row = page.locator(`#jobs tr[data-job="${job.job_id}"]`);
      await row.locator(".status.failed").waitFor({ timeout: 30_000 });
      expect(await row.locator(".error").innerText()).toContain('unknown job kind "console-test"');
    },
  );

  consoleTest("cancels a job that is waiting its turn", async (rig) => {
    const page = await adminOn(rig, "Jobs");
    // Queued directly, due in an hour (one transaction: the worker cannot take it first).
    const db = openDatabase(rig.dataDir);
    const job = db.transaction(() => {
      const queued = new JobQueue(db).enqueue("console-test", {});
      db.run("UPDATE jobs SET run_after = ? WHERE id = ?", [Date.now() + 3_600_000, queued.job_id]);
      return queued;
    })();
    db.close(false);
    const row = page.locator(`#jobs tr[data-job="${job.job_id}"]`);
    await row.locator(".status.enqueued").waitFor();
    await row.getByRole("button", { name: `Cancel ${job.job_id}` }).click();
    await row.locator(".status.canceled").waitFor();
    expect(await row.getByRole("button", { name: /^Cancel/ }).isVisible()).toBe(false);
    const status = await asBearer(rig.url, ADMIN_TOKEN, "/tools/job_status", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ job_id: job.job_id }),
    });
    expect(status.json.status).toBe("canceled");
  });

  consoleTest(
    "creates a token (secret shown once) and revokes it after confirmation",
    async (rig) => {
      const page = await adminOn(rig, "Tokens");
      await page.getByLabel("Name").fill("ci-bot");
      await page.getByLabel("Scope").selectOption("write");
      await page.getByRole("button", { name: "Create token" }).click();
      const secret = await page.locator("#new-secret").innerText();
      expect(secret).toMatch(/^qv_/);
      await page.getByRole("button", { name: "Copy", exact: true }).click();
      expect(await clipboardText(page)).toBe(secret);
      expect((await asBearer(rig.url, secret, "/tools")).status).toBe(200);
      await page.reload();
      await page.locator("#tokens").waitFor();
      expect(await page.content()).not.toContain(secret); // shown once
      const row = page.locator('#tokens tr[data-token="ci-bot"]');
      await row.getByRole("button", { name: "Revoke ci-bot" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
      expect((await asBearer(rig.url, secret, "/tools")).status).toBe(200);
      await row.getByRole("button", { name: "Revoke ci-bot" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
      await row.getByText(/^revoked/).waitFor();
      expect((await asBearer(rig.url, secret, "/tools")).status).toBe(401);
    },
  );

  consoleTest(
    "shows OAuth grants once there are any, and revokes one after confirmation",
    async (rig) => {
      const page = await adminOn(rig, "Tokens");
      await page.locator("#tokens").waitFor(); // the page has loaded what it shows
      expect(await page.locator("#grants").count()).toBe(0);
      const db = openDatabase(rig.dataDir);
      const codes = new CodeStore(db, new GrantStore(db));
      const code = codes.issue({
        clientId: "https://claude.example/oauth/meta.json",
        clientName: "Claude (example)",
        redirectUri: "https://claude.example/cb",
        codeChallenge: "x".repeat(43),
        scope: "write",
        resource: `${rig.url}/mcp`,
      });
      codes.redeem(code, () => undefined);
      db.close(false);
      await page.reload();
      const row = page.locator("#grants tbody tr").first();
      await row.waitFor();
      expect(await row.innerText()).toContain("Claude (example)");
      await row.getByRole("button", { name: "Revoke grant of Claude (example)" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke" }).click();
      await page
        .locator("#grants")
        .getByText(/^revoked/)
        .waitFor();
    },
  );

  consoleTest("copies a curl snippet that works as pasted", async (rig) => {
    const page = await adminOn(rig, "Connect");
    await page.getByRole("button", { name: "Copy: curl" }).click();
    const copied = await clipboardText(page);
    expect(copied).toContain(`${rig.url}/tools`);
    // Each command as a shell reads it (a trailing backslash continues the line).
    const commands = copied.replaceAll("\\\n", "").split("\n");
    expect(commands).toHaveLength(2);
    const outputs = commands.map((command: string) => {
      const res = spawnSync(["bash", "-c", command], {
        env: { PATH: process.env.PATH!, TOKEN: ADMIN_TOKEN },
        stdout: "pipe",
      });
      expect(res.exitCode).toBe(0);
      return JSON.parse(res.stdout.toString());
    });
    expect(outputs[0].tools.map((t: any) => t.name)).toContain("search");
    expect(outputs[1].results).toBeArray();
  });

  consoleTest(
    "the Claude Code and Messages API snippets are the README's, with this server's URL",
    async (rig) => {
      const page = await adminOn(rig, "Connect");
      const readme = readFileSync(join(ROOT, "README.md"), "utf8");
      const asInReadme = (text: string) => text.replaceAll(rig.url, "http://127.0.0.1:8080");
      const code = await page.locator("#snippet-claude-code").innerText();
      expect(code).toContain(`${rig.url}/mcp`);
      expect(readme).toContain(asInReadme(code));
      const python = await page.locator("#snippet-messages-api").innerText();
      expect(readme).toContain(asInReadme(python));
    },
  );

  consoleTest(
    "the Claude Desktop and stdio snippets start this binary on this data directory",
    async (rig) => {
      const page = await adminOn(rig, "Connect");
      const desktop = JSON.parse(await page.locator("#snippet-claude-desktop").innerText());
      const { command, args } = desktop.mcpServers.quiver;
      expect(args).toEqual(["mcp", "--data", rig.dataDir]);
      const stdio = await page.locator("#snippet-claude-code-stdio").innerText();
      expect(stdio).toBe(`claude mcp add quiver -- ${command} mcp --data ${rig.dataDir}`);
      // What Claude Desktop would run answers an MCP initialize.
      const init = {
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: {
          protocolVersion: "2025-06-18",
          capabilities: {},
          clientInfo: { name: "t", version: "1" },
        },
      };
      const res = spawnSync([command, ...args], {
        stdin: new TextEncoder().encode(`${JSON.stringify(init)}\n`),
        stdout: "pipe",
        stderr: "pipe",
        env: { PATH: process.env.PATH! },
      });
      expect(JSON.parse(res.stdout.toString().split("\n")[0]!).result.serverInfo.name).toBe(
        "quiver",
      );
    },
  );
});

describe.skipIf(!run)("the web console for a read token, at phone width", () => {
  consoleTest(
    "shows what its scope allows, works by keyboard, fits 390 px, ends when revoked",
    async (rig) => {
      for (const guide of GUIDES) await rig.put(`handbook/${guide.name}`, guide.text);
      const made = await asBearer(rig.url, ADMIN_TOKEN, "/tokens", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "reader", scope: "read" }),
      });
      const { page: phone } = await rig.newPage({ width: 390, height: 844 });
      await signInThroughPage(phone, rig.url, made.json.secret);
      const nav = await phone.getByRole("navigation", { name: "Console" }).innerText();
      expect(nav).not.toContain("Tokens");
      await phone.getByRole("link", { name: "handbook/" }).waitFor();
      expect(await phone.getByText("Upload").count()).toBe(0);
      expect(await phone.getByRole("button", { name: /^Delete/ }).count()).toBe(0);
      for (const name of ["Files", "Search", "Jobs", "Connect"]) {
        await navLink(phone, name).click();
        await phone.getByRole("heading", { level: 1, name }).waitFor();
        const width = await phone.evaluate(() => document.documentElement.scrollWidth);
        expect(`${name}: ${width}`).toBe(`${name}: 390`);
      }
      // Keyboard: focus the Search link, Enter, and the page's heading takes the focus.
      await navLink(phone, "Search").focus();
      await phone.keyboard.press("Enter");
      await phone.getByRole("heading", { level: 1, name: "Search" }).waitFor();
      await phone.waitForFunction(() => document.activeElement?.tagName === "INPUT");
      await phone.keyboard.type("heron");
      await phone.keyboard.press("Enter");
      await phone.locator(".results li").first().waitFor();
      expect(new URL(phone.url()).hash).toBe("#/search?q=heron");
      await asBearer(rig.url, ADMIN_TOKEN, "/tokens/reader", { method: "DELETE" });
      await navLink(phone, "Jobs").click();
      await phone.getByText(/session has ended/).waitFor();
    },
  );
});
