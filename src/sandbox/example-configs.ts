/**
 * Connector configs that point at the local sandboxes: what the demo runs and what
 * `jobtap-sandbox` prints, so every example works with no credentials and no internet.
 */
import type { AddeparSandbox } from './addepar/index.js';
import type { ImpactSandbox } from './impact/index.js';

function isoDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** First day of the month `monthsBack` months before `today` (UTC). */
export function monthStart(today: Date, monthsBack: number): string {
  return isoDate(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() - monthsBack, 1)));
}

/** Last day of the month before `today` (UTC). */
export function endOfPreviousMonth(today: Date): string {
  return isoDate(new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 0)));
}

/**
 * Addepar: two saved views (CSV and XLSX) and a portfolio query (JSON tree), monthly windows from
 * three months back. `endDate` undefined means the connector's default (today).
 */
export function addeparExampleConfig(sandbox: AddeparSandbox, today: Date, endDate?: string): Record<string, unknown> {
  return {
    base_url: sandbox.url,
    firm_id: sandbox.credentials.firmId,
    api_key: sandbox.credentials.apiKey,
    api_secret: sandbox.credentials.apiSecret,
    start_date: monthStart(today, 3),
    ...(endDate === undefined ? {} : { end_date: endDate }),
    window_size: 'month',
    lookback_days: 0,
    max_concurrent_jobs: 3,
    poll_interval_seconds: 0.05,
    max_poll_interval_seconds: 0.25,
    view_exports: [
      { name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101, 102], output_type: 'CSV' },
      { name: 'sector_performance', view_id: 14, portfolio_type: 'ENTITY', portfolio_ids: [101], output_type: 'XLSX' },
    ],
    query_exports: [
      {
        name: 'asset_class_returns',
        columns: [{ key: 'value' }, { key: 'time_weighted_return' }],
        groupings: [{ key: 'asset_class' }],
        portfolio_type: 'ENTITY',
        portfolio_ids: [101, 102],
      },
    ],
  };
}

/** impact.com: the partner's jobs, their results, and a weekly action-listing report export. */
export function impactExampleConfig(sandbox: ImpactSandbox, today: Date): Record<string, unknown> {
  return {
    account_sid: sandbox.accountSid,
    auth_token: sandbox.authToken,
    base_url: sandbox.url,
    start_date: isoDate(new Date(today.getTime() - 21 * 86_400_000)),
    poll_interval_seconds: 0.05,
    job_timeout_minutes: 1,
    report_exports: [{ name: 'action_listing', report_id: 'mp_action_listing_fast', window: 'week' }],
  };
}
