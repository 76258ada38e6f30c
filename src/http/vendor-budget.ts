/**
 * One request budget per vendor account, with the machine-wide ledger behind it: what a vendor
 * module builds once per process and hands to its HttpClient (and, for daily quotas, to the job
 * engine's launch decisions).
 */
import type { Logger } from '../core/logger.js';
import { RequestBudget, type RequestLimit } from './request-budget.js';
import { defaultCacheDir, FileRequestLedger } from './request-ledger.js';

export interface VendorBudgetOptions {
  vendor: string;
  /** Identifies the account across processes (e.g. "addepar|<base url>|<firm id>"); never a secret. */
  account: string;
  limits: RequestLimit[];
  maxWaitMinutes: number;
  clockSpeed: number;
  logger: Logger;
  /** Default: $JOBTAP_CACHE_DIR, $XDG_CACHE_HOME/jobtap or ~/.cache/jobtap. */
  cacheDir?: string;
}

export function createVendorBudget(options: VendorBudgetOptions): RequestBudget {
  const probe = new RequestBudget({ vendor: options.vendor, limits: options.limits, clockSpeed: options.clockSpeed, logger: options.logger });
  const ledger = new FileRequestLedger(options.cacheDir ?? defaultCacheDir(), options.account, probe.longestWindowRealMs(), (m) => options.logger.debug(m));
  return new RequestBudget({
    vendor: options.vendor,
    limits: options.limits,
    clockSpeed: options.clockSpeed,
    maxWaitMs: options.maxWaitMinutes * 60_000,
    logger: options.logger,
    ledger,
  });
}
