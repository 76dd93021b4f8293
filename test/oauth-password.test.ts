import { afterAll, describe, expect, test } from "bun:test";
import { spawnSync } from "bun";
import { QUIVER } from "./support/cli.ts";
import { consentOverHttp, startCallbackServer, startOAuthServer } from "./support/oauth.ts";
import { rawDatabase } from "./support/services.ts";

// `quiver token password`: the consent page's password, set from stdin (never argv, which
// lands in shell history and `ps`), stored as a password hash.

const server = startOAuthServer();
const callback = startCallbackServer();
afterAll(() => {
  server.stop();
  callback.stop();
});

function password(stdin: string, ...args: string[]) {
  const res = spawnSync(
    [...QUIVER, "token", "password", "--data", server.config.dataDir, ...args],
    {
      stdin: Buffer.from(stdin),
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
    },
  );
  return { code: res.exitCode, out: res.stdout.toString(), err: res.stderr.toString() };
}

async function consentWith(credential: string) {
  const reg = (await (
    await fetch(`${server.url}/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ redirect_uris: [callback.url], client_name: "pw" }),
    })
  ).json()) as { client_id: string };
  const url = new URL(`${server.url}/authorize`);
  url.search = new URLSearchParams({
    client_id: reg.client_id,
    redirect_uri: callback.url,
    response_type: "code",
    code_challenge: "x".repeat(43),
    code_challenge_method: "S256",
  }).toString();
  return (await consentOverHttp(url, { credential })).response;
}

describe("quiver token password", () => {
  test("sets the password; the consent page accepts it; only a hash is stored", async () => {
    expect((await consentWith("a passphrase of some length")).status).toBe(401);
    const set = password("a passphrase of some length\n");
    expect(set).toMatchObject({
      code: 0,
      out: "consent password set: sign in with it on the OAuth consent page\n",
    });
    const approved = await consentWith("a passphrase of some length");
    expect(approved.status).toBe(303);
    expect(new URL(approved.headers.get("location")!).searchParams.get("code")).toStartWith("qc_");
    expect((await consentWith("a passphrase of some lengtH")).status).toBe(401);
    const stored = rawDatabase(server).query("SELECT value FROM oauth_settings").get() as {
      value: string;
    };
    expect(stored.value).toStartWith("$argon2id$");
    expect(stored.value).not.toContain("passphrase");
  });

  test("too short: refused with exit 2; --clear removes it", async () => {
    await server.services.oauth.password.set("a passphrase of some length");
    const short = password("short\n");
    expect(short.code).toBe(2);
    expect(short.err).toContain("12-1024 characters");
    expect(password("", "--clear").out).toBe("consent password removed\n");
    expect((await consentWith("a passphrase of some length")).status).toBe(401);
  });
});
