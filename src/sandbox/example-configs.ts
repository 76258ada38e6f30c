/**
 * Connector configs that point at the local sandboxes: what the demo runs and what
 * `jobtap-sandbox` prints, so every example works with no credentials and no internet.
 */
import { addeparSandboxConfig, type AddeparSandbox } from './addepar/index.js';
import { impactSandboxRateLimit, type ImpactSandbox } from './impact/index.js';

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
 * Addepar: the sandbox firm's exports (entity, group and firm portfolios; CSV and XLSX views; a
 * portfolio query returning the JSON tree), monthly windows from three months back, this month so
 * far included (under the month's own keys). `endDate` undefined means the connector's default
 * (yesterday).
 */
export function addeparExampleConfig(sandbox: AddeparSandbox, today: Date, endDate?: string): Record<string, unknown> {
  const { end_date: _fixedEnd, ...config } = addeparSandboxConfig(sandbox, { startDate: monthStart(today, 3), pollIntervalSeconds: 0.05 });
  return { ...config, include_partial_window: true, ...(endDate === undefined ? {} : { end_date: endDate }) };
}

/**
 * How the sandboxes run for people (demo, jobtap-sandbox): Addepar jobs move on with sandbox time
 * (20 s a stage, two minutes a job) as well as with observations, so jobs launched ahead really
 * run in parallel; a faster clock makes them faster in real time.
 */
export const ADDEPAR_SANDBOX_PROGRESSION = { pollsPerStage: 1, msPerStage: 20_000 };

/**
 * The demo's sandbox clock: 100× real time, so Addepar's 15-minute rate-limit window passes in
 * 9 seconds and the demo shows the limits at work without taking a quarter of an hour.
 */
export const DEMO_CLOCK_SPEED = 100;

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
    rate_limit: impactSandboxRateLimit(sandbox),
  };
}
