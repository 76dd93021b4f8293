import { request, type TestServer } from "./services.ts";

/** Signs in to the console with a token, as its page does; the cookie to send back and the CSRF token. */
export async function signIn(server: TestServer, token: string) {
  const res = await request(server, "/console/session", { method: "POST", token });
  if (res.status !== 201) throw new Error(`sign-in failed: ${res.status} ${res.text}`);
  return { cookie: res.headers.get("set-cookie")!.split(";")[0]!, csrf: res.json.csrf as string };
}
