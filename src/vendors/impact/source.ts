/**
 * The impact.com (partner) source: streams `jobs`, `job_results` and one stream per configured
 * report export, over the Partner Jobs API. Protocol-agnostic: the Airbyte and Singer front ends
 * both drive this object.
 */
import { ConfigError, messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { CheckResult, Source, Stream } from '../../core/source.js';
import type { RequestBudget } from '../../http/request-budget.js';
import { JobScheduler } from '../../jobs/scheduler.js';
import { addDays } from '../../jobs/windows.js';
import { ImpactApi } from './api.js';
import { impactSpec, resolveSettings, type ImpactConfig, type ImpactSettings } from './config.js';
import { createJobsStream } from './jobs-stream.js';
import { todayUtc } from './job-listing.js';
import { createReportStream, planReportSlices } from './report-streams.js';
import { createJobResultsStream } from './results-stream.js';

export type { ImpactConfig } from './config.js';

export const IMPACT_VERSION = '0.1.0';

/** The request budget each config's streams use, for the sync's closing line. */
const budgets = new WeakMap<ImpactConfig, RequestBudget>();

/** Stream names of configured reports must not collide with the fixed streams or each other. */
function checkReportNames(config: ImpactConfig): void {
  const seen = new Set(['jobs', 'job_results']);
  for (const r of config.report_exports ?? []) {
    if (seen.has(r.name)) throw new ConfigError(`report_exports: the stream name "${r.name}" is used twice (or clashes with jobs/job_results); give each report a unique name`);
    seen.add(r.name);
  }
}

/**
 * The ReportExport calls a first sync of the configured reports makes (one per planned window),
 * for the warning that it will not fit one day's quota.
 */
export function firstSyncExports(settings: Pick<ImpactSettings, 'reports'>, today: string): { exports: number; detail: string } {
  // The slices a read with no state would plan: one ReportExport call each.
  const parts = settings.reports.map((r) => ({ name: r.name, n: planReportSlices(r, undefined, today).length, window: r.window }));
  return { exports: parts.reduce((sum, p) => sum + p.n, 0), detail: parts.map((p) => `${p.name}: ${p.n} ${p.window}${p.n === 1 ? '' : 's'}`).join(', ') };
}

/** Authentication failures arrive explained (ConfigError from ImpactApi); others keep their own message. */
export function explainCheckFailure(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  return `Could not list impact.com jobs: ${messageOf(err)}`;
}

export const impactSource: Source<ImpactConfig> = {
  name: 'source-impact',
  tapName: 'tap-impact',
  version: IMPACT_VERSION,
  description:
    "impact.com partner data through the Partner Jobs API: the account's export jobs, their result files (CSV, JSON, XLSX), and report exports per date window, as typed, incremental streams.",
  spec: () => impactSpec,

  async check(config: ImpactConfig, logger: Logger): Promise<CheckResult> {
    try {
      checkReportNames(config);
    } catch (err) {
      return { ok: false, message: messageOf(err) };
    }
    const settings = resolveSettings(config);
    const api = new ImpactApi(settings, logger);
    const today = todayUtc();
    const signal = new AbortController().signal;
    try {
      const jobs = await api.listJobs(today, addDays(today, 1), signal);
      logger.info(`check: listed ${jobs.length} job(s) created today on account ${settings.accountSid}`);
    } catch (err) {
      return { ok: false, message: explainCheckFailure(err) };
    }
    const firstSync = firstSyncExports(settings, today);
    if (firstSync.exports > settings.rateLimit.report_exports_per_day) {
      const days = Math.ceil(firstSync.exports / settings.rateLimit.report_exports_per_day);
      logger.warn(
        `check: a first sync of report_exports needs ${firstSync.exports.toLocaleString('en-US')} ReportExport calls (${firstSync.detail}), more than the ${settings.rateLimit.report_exports_per_day} a day allows: ` +
          `it takes about ${days} daily syncs, each continuing where the last stopped. A larger window (e.g. "month") on some reports, or a later start_date, finishes sooner.`,
      );
    }
    // What read will need: every configured report exists and can be exported through the API.
    // One listing of the account's reports, not an export (that would spend the daily quota).
    if (settings.reports.length > 0) {
      try {
        const reports = await api.listReports(signal);
        for (const r of settings.reports) {
          const found = reports.get(r.reportId);
          if (found === undefined) {
            return { ok: false, message: `report_exports "${r.name}": impact.com has no report "${r.reportId}" for this account (check report_id; List Reports shows the handles).` };
          }
          if (!found.apiAccessible) {
            return { ok: false, message: `report_exports "${r.name}": report "${r.reportId}" (${found.name}) cannot be exported through the API for this account.` };
          }
        }
      } catch (err) {
        return { ok: false, message: `Could not list impact.com reports: ${messageOf(err)}` };
      }
    }
    return { ok: true };
  },

  derivedSecrets(config: ImpactConfig): string[] {
    // AccountSID:AuthToken as the Basic Authorization header carries it.
    return [Buffer.from(`${config.account_sid}:${config.auth_token}`).toString('base64')];
  },

  usage(config: ImpactConfig): string | undefined {
    return budgets.get(config)?.summary();
  },

  async streams(config: ImpactConfig, logger: Logger): Promise<Stream[]> {
    checkReportNames(config);
    const settings = resolveSettings(config);
    const api = new ImpactApi(settings, logger);
    budgets.set(config, api.budget);
    // One scheduler for the account: job results and report exports share its download slots.
    const scheduler = new JobScheduler({ maxConcurrentJobs: settings.maxConcurrentDownloads, pollPaceMs: (inflight) => api.budget.pollPaceMs(inflight) });
    return [
      createJobsStream(api, settings),
      createJobResultsStream(api, settings, logger, scheduler),
      ...settings.reports.map((report) => createReportStream(api, settings, report, logger, scheduler)),
    ];
  },
};
