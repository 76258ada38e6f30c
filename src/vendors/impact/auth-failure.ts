/**
 * What a 401 or 403 from impact.com's API host means, in words a person can act on. `check` and
 * every call of a sync say the same thing, so a token revoked between check and read is as clear
 * as a wrong one at check time. (A 403 from the file host is an expired signed URL instead: see
 * ImpactApi.download.)
 */
import { ConfigError } from '../../core/errors.js';
import { HttpError } from '../../http/client.js';

export function explainAuthFailure(err: HttpError, accountSid: string): string | undefined {
  if (err.status === 401) {
    return `impact.com rejected the credentials (HTTP 401 from ${err.method} ${err.url}). Check account_sid and auth_token: use the Account SID and Auth Token shown under Settings → API of the partner account (the token, not your password).`;
  }
  if (err.status === 403) {
    return `impact.com accepted the credentials but refused access (HTTP 403 from ${err.method} ${err.url}) for account ${accountSid}. The token may belong to another account, or lack API access to Jobs and Reports; check account_sid and the token's permissions.`;
  }
  return undefined;
}

/** The error as a ConfigError that explains itself when it is an authentication failure; else unchanged. */
export function withAuthAdvice(err: unknown, accountSid: string): unknown {
  if (!(err instanceof HttpError)) return err;
  const advice = explainAuthFailure(err, accountSid);
  return advice === undefined ? err : new ConfigError(advice, { cause: err });
}
