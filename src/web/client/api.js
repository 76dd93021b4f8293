// The console is a client of quiver's own HTTP API: the same routes and tools as every
// other client, authenticated by the session cookie (HttpOnly: this script never sees it)
// plus the CSRF token, which lives only in this module's memory.

export const session = { csrf: "", caller: null, server: {} };

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function parse(res) {
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (res.ok) return data;
  const err = data?.error ?? { code: `http_${res.status}`, message: text || res.statusText };
  throw new ApiError(res.status, err.code, err.message);
}

/** One request to quiver. A 401 means the session has ended: the app shows the sign-in. */
export async function api(path, { method = "GET", json, body, headers = {} } = {}) {
  const sent = { ...headers };
  if (method !== "GET" && method !== "HEAD") sent["x-csrf-token"] = session.csrf;
  let payload = body;
  if (json !== undefined) {
    sent["content-type"] = "application/json";
    payload = JSON.stringify(json);
  }
  const res = await fetch(path, {
    method,
    headers: sent,
    body: payload,
    credentials: "same-origin",
  });
  try {
    return await parse(res);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401)
      window.dispatchEvent(new CustomEvent("quiver:signed-out"));
    throw err;
  }
}

/** Calls a tool through the pipeline, as POST /tools/<name> does for every client. */
export const tool = (name, params = {}) => api(`/tools/${name}`, { method: "POST", json: params });

/** /files/<path>, each segment percent-encoded (the path stays a path, never a query). */
export const fileUrl = (path) => `/files/${path.split("/").map(encodeURIComponent).join("/")}`;

/** Signs in: the token goes once in the Authorization header, never in a URL or storage. */
export async function signIn(token) {
  const res = await fetch("/console/session", {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
    credentials: "same-origin",
  });
  const data = await parse(res);
  session.csrf = data.csrf;
  return loadSession();
}

/** Who is signed in (after a reload the cookie is still there; the CSRF token comes back). */
export async function loadSession() {
  const res = await fetch("/console/session", { credentials: "same-origin" });
  const data = await parse(res);
  session.csrf = data.csrf ?? "";
  session.caller = data.caller;
  session.server = data.server ?? {};
  return session;
}

export async function signOut() {
  try {
    await api("/console/session", { method: "DELETE" });
  } finally {
    session.csrf = "";
    session.caller = null;
  }
}

/** Whether the signed-in token's scope reaches `needed` (the server decides; this only hides). */
export function can(needed) {
  const order = ["read", "write", "admin"];
  return order.indexOf(session.caller?.scope) >= order.indexOf(needed);
}
