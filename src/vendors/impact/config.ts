/**
 * The impact.com connector's configuration: its JSON Schema (the spec users fill in) and the
 * settings the streams derive from a validated config (defaults applied, seconds turned into ms).
 */
import { commonConfigProperties, type CommonConfig } from '../../core/common-spec.js';
import { DEFAULT_MAX_WAIT_MINUTES, rateLimitSpec, type RateLimitCommonConfig } from '../../core/rate-limit-spec.js';
import type { ConnectorSpec } from '../../core/source.js';

export const IMPACT_JOB_TYPES = ['DownloadReport', 'ApiReport', 'UploadAds', 'TermModification', 'ClickExport'] as const;
export type ImpactJobType = (typeof IMPACT_JOB_TYPES)[number];

export type ReportWindow = 'day' | 'week' | 'month';

export interface ReportExportConfig {
  /** Stream name, e.g. "actions_report". */
  name: string;
  /** Report handle, e.g. "mp_action_listing_fast". */
  report_id: string;
  /** Overrides the connector's start_date for this report. */
  start_date?: string;
  window?: ReportWindow;
  result_format?: 'CSV' | 'JSON';
  /** SUBAID: scope the report to one program. */
  program_id?: string;
  /** Windows re-exported before the cursor, for data that changes after the fact. */
  lookback_days?: number;
  /** Also export the window in progress (through yesterday) on every sync, under its full bounds. */
  include_partial_window?: boolean;
}

/** impact.com's limits per account (about 1,000 requests per hour; ReportExport about 100 calls per day). */
export interface ImpactRateLimitConfig extends RateLimitCommonConfig {
  requests_per_hour?: number;
  report_exports_per_day?: number;
}

export const IMPACT_DEFAULT_LIMITS = { requests_per_hour: 1000, report_exports_per_day: 100 } as const;

/**
 * Report windows default to a week: a first sync of a year is 53 exports per report, inside the
 * daily ReportExport quota of 100 for one report (daily windows would need 365, four days of
 * quota). The default does not change with the number of reports: a report's window is part of
 * its records' keys, so adding a report must not re-key the others. When the reports' first sync
 * needs more calls than a day allows, `check` says so and how to finish sooner; the sync itself
 * ends each day resumably at the quota and continues the next day.
 */
export const DEFAULT_REPORT_WINDOW: ReportWindow = 'week';

export interface ImpactConfig extends CommonConfig {
  account_sid: string;
  auth_token: string;
  base_url?: string;
  start_date: string;
  job_types?: ImpactJobType[];
  replay?: boolean;
  stream_downloads?: boolean;
  max_concurrent_downloads?: number;
  poll_interval_seconds?: number;
  job_timeout_minutes?: number;
  request_timeout_seconds?: number;
  report_exports?: ReportExportConfig[];
  rate_limit?: ImpactRateLimitConfig;
}

export const DEFAULT_BASE_URL = 'https://api.impact.com';

export const impactSpec: ConnectorSpec = {
  documentationUrl: 'https://integrations.impact.com/partner-api-reference/reference/jobs-management/jobs',
  connectionSpecification: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'impact.com (Partner Jobs API)',
    type: 'object',
    required: ['account_sid', 'auth_token', 'start_date'],
    additionalProperties: false,
    properties: {
      account_sid: {
        type: 'string',
        title: 'Account SID',
        description: 'Your partner Account SID (Settings → API in the impact.com app); the basic-auth user name.',
        pattern: '^\\S+$',
        order: 0,
      },
      auth_token: {
        type: 'string',
        title: 'Auth Token',
        description: 'The Auth Token paired with the Account SID; the basic-auth password.',
        airbyte_secret: true,
        order: 1,
      },
      start_date: {
        type: 'string',
        title: 'Start date',
        description: 'Read jobs created on or after this day (YYYY-MM-DD, UTC). Job results are only kept 90 days by impact.com.',
        format: 'date',
        pattern: '^\\d{4}-\\d{2}-\\d{2}$',
        examples: ['2026-01-01'],
        order: 2,
      },
      base_url: {
        type: 'string',
        title: 'API base URL',
        description: 'Where the impact.com API lives; change it only for the jobtap sandbox or a proxy.',
        default: DEFAULT_BASE_URL,
        pattern: '^https?://',
        order: 3,
      },
      job_types: {
        type: 'array',
        title: 'Job types',
        description: 'Job types whose results the job_results stream downloads. All types when empty.',
        items: { type: 'string', enum: [...IMPACT_JOB_TYPES] },
        default: [...IMPACT_JOB_TYPES],
        order: 4,
      },
      replay: {
        type: 'boolean',
        title: 'Replay jobs',
        description:
          'Replay replayable jobs that have no downloadable result (FAILED, CANCELLED, or COMPLETED with a result past the 90-day retention), ' +
          'then download the new result. A job the API refuses to replay (403) is logged and skipped.',
        default: false,
        order: 5,
      },
      stream_downloads: {
        type: 'boolean',
        title: 'Stream downloads',
        description: 'Download results with Mode=Stream (through the API host). When off, follow the redirect to a signed file URL (sent without credentials).',
        default: true,
        order: 6,
      },
      max_concurrent_downloads: {
        type: 'integer',
        title: 'Max concurrent downloads',
        description: 'Jobs polled and downloaded at the same time.',
        minimum: 1,
        maximum: 16,
        default: 3,
        order: 7,
      },
      poll_interval_seconds: {
        type: 'number',
        title: 'Poll interval (seconds)',
        description: 'First wait between job status polls; it backs off up to 8× this value.',
        minimum: 0.01,
        default: 5,
        order: 8,
      },
      job_timeout_minutes: {
        type: 'number',
        title: 'Job timeout (minutes)',
        description: 'Give up on a job that has not completed within this time (fractions allowed).',
        exclusiveMinimum: 0,
        default: 60,
        order: 9,
      },
      request_timeout_seconds: {
        type: 'number',
        title: 'Request timeout (seconds)',
        description: 'Time allowed for response headers, and between chunks of a download.',
        minimum: 1,
        default: 120,
        order: 10,
      },
      report_exports: {
        type: 'array',
        title: 'Report exports',
        description:
          'Reports to export on each sync through GET /Mediapartners/{AccountSID}/ReportExport/{report_id}; each becomes a stream of its own, read in date windows.',
        default: [],
        order: 11,
        items: {
          type: 'object',
          required: ['name', 'report_id'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', title: 'Stream name', pattern: '^[a-z][a-z0-9_]{0,62}$', description: 'Lower-case stream name, e.g. actions_report.' },
            report_id: { type: 'string', title: 'Report Id', pattern: '^[A-Za-z0-9_.-]+$', description: 'Report handle from List Reports, e.g. mp_action_listing_fast.' },
            start_date: { type: 'string', title: 'Start date', format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
            window: {
              type: 'string',
              title: 'Window',
              enum: ['day', 'week', 'month'],
              default: DEFAULT_REPORT_WINDOW,
              description: 'One export per window. A week keeps a first sync of a year (53 exports) inside the daily ReportExport quota.',
            },
            result_format: { type: 'string', title: 'Result format', enum: ['CSV', 'JSON'], default: 'CSV' },
            program_id: { type: 'string', title: 'Program Id (SUBAID)' },
            lookback_days: { type: 'integer', title: 'Lookback days', minimum: 0, maximum: 90, default: 1 },
            include_partial_window: {
              type: 'boolean',
              title: 'Include the window in progress',
              description:
                'Also export the window that is not over yet (through yesterday) on every sync, under the same keys it will have when complete (window_end is its last calendar day, as_of the last day exported). Off: only complete windows are exported.',
              default: false,
            },
          },
        },
      },
      rate_limit: rateLimitSpec(
        "impact.com's limits for your account: about 1,000 requests per hour, and about 100 ReportExport calls per day. jobtap spreads its requests to stay inside them; a sync that would need more ReportExport calls than the day allows ends resumably and the next sync continues.",
        {
          requests_per_hour: {
            type: 'integer',
            title: 'Requests per hour',
            description: 'API requests the account may make per hour, all endpoints together.',
            minimum: 1,
            default: IMPACT_DEFAULT_LIMITS.requests_per_hour,
          },
          report_exports_per_day: {
            type: 'integer',
            title: 'ReportExport calls per day',
            description: 'ReportExport calls the account may make per day; each report window is one call.',
            minimum: 1,
            default: IMPACT_DEFAULT_LIMITS.report_exports_per_day,
          },
        },
        12,
      ),
      ...commonConfigProperties,
    },
  },
};

/** Everything the streams need, with defaults applied and units converted. */
export interface ImpactSettings {
  accountSid: string;
  authToken: string;
  baseUrl: string;
  startDate: string;
  jobTypes: Set<ImpactJobType>;
  replay: boolean;
  streamDownloads: boolean;
  maxConcurrentDownloads: number;
  pollIntervalMs: number;
  jobTimeoutMs: number;
  requestTimeoutMs: number;
  onCastError: 'fail' | 'null';
  onInvalidUtf8: 'windows-1252' | 'fail';
  reports: ResolvedReport[];
  rateLimit: Required<ImpactRateLimitConfig>;
}

export interface ResolvedReport {
  name: string;
  reportId: string;
  startDate: string;
  window: ReportWindow;
  resultFormat: 'CSV' | 'JSON';
  programId?: string;
  lookbackDays: number;
  includePartialWindow: boolean;
}

export function resolveSettings(config: ImpactConfig): ImpactSettings {
  const types = config.job_types !== undefined && config.job_types.length > 0 ? config.job_types : [...IMPACT_JOB_TYPES];
  return {
    accountSid: config.account_sid,
    authToken: config.auth_token,
    baseUrl: (config.base_url ?? DEFAULT_BASE_URL).replace(/\/+$/, ''),
    startDate: config.start_date,
    jobTypes: new Set(types),
    replay: config.replay ?? false,
    streamDownloads: config.stream_downloads ?? true,
    maxConcurrentDownloads: config.max_concurrent_downloads ?? 3,
    pollIntervalMs: Math.round((config.poll_interval_seconds ?? 5) * 1000),
    jobTimeoutMs: Math.round((config.job_timeout_minutes ?? 60) * 60_000),
    requestTimeoutMs: Math.round((config.request_timeout_seconds ?? 120) * 1000),
    onCastError: config.on_cast_error ?? 'fail',
    onInvalidUtf8: config.on_invalid_utf8 ?? 'windows-1252',
    reports: (config.report_exports ?? []).map((r) => ({
      name: r.name,
      reportId: r.report_id,
      startDate: r.start_date ?? config.start_date,
      window: r.window ?? DEFAULT_REPORT_WINDOW,
      resultFormat: r.result_format ?? 'CSV',
      programId: r.program_id,
      lookbackDays: r.lookback_days ?? 1,
      includePartialWindow: r.include_partial_window ?? false,
    })),
    rateLimit: { ...IMPACT_DEFAULT_LIMITS, max_wait_minutes: DEFAULT_MAX_WAIT_MINUTES, clock_speed: 1, ...config.rate_limit },
  };
}
