import { timingSafeEqual } from "node:crypto";

/** PKCE S256 (RFC 7636 §4.2): BASE64URL(SHA256(ASCII(code_verifier))). */
export function sha256Base64Url(verifier: string): string {
  return new Bun.CryptoHasher("sha256").update(verifier).digest("base64url");
}

/** Whether a verifier answers a challenge, compared in constant time. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  const a = Buffer.from(sha256Base64Url(verifier));
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time equality of two strings (of any length; the length itself is not secret). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
