/**
 * Keeps secrets out of error messages and logs: URL credentials, credential-looking query
 * parameters (signed download URLs carry their signature in the query) and configured secrets.
 */

/** Query parameter names whose values are credentials (API keys, tokens, URL signatures). */
const CREDENTIAL_PARAM = /(token|key|secret|sig|signature|password|passwd|auth|credential|session|code)/i;

export const MASK = '***';

export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short "secrets" would mask ordinary words; config values that short are not credentials.
    if (secret.length < 4) continue;
    out = out.split(secret).join(MASK);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join(MASK);
  }
  return out;
}

/** A URL fit for an error message: no user-info, credential query values masked, secrets masked. */
export function maskUrl(url: string | URL, secrets: readonly string[] = []): string {
  let parsed: URL;
  try {
    parsed = new URL(url.toString());
  } catch {
    return maskSecrets(url.toString(), secrets);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = '';
    parsed.password = '';
  }
  for (const name of [...new Set(parsed.searchParams.keys())]) {
    if (CREDENTIAL_PARAM.test(name)) parsed.searchParams.set(name, MASK);
  }
  return maskSecrets(parsed.toString(), secrets);
}
