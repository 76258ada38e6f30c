/**
 * The Addepar connector's configuration: its TypeScript shape, its JSON Schema (the Airbyte
 * connectionSpecification and Singer settings) and the derived, defaulted settings the
 * streams use.
 */
import { commonConfigProperties, type CommonConfig } from '../../core/common-spec.js';
import { ConfigError } from '../../core/errors.js';
import { DEFAULT_MAX_WAIT_MINUTES, rateLimitSpec, type RateLimitCommonConfig } from '../../core/rate-limit-spec.js';
import type { JsonSchema } from '../../core/json-schema.js';
import { toEpochDay, yesterdayUtc, type WindowSize } from '../../jobs/windows.js';

export const PORTFOLIO_TYPES = [
  'ENTITY',
  'ENTITY_FUNDS',
  'GROUP',
  'GROUP_FUNDS',
  'FIRM',
  'FIRM_ACCOUNTS',
  'FIRM_CLIENTS',
  'FIRM_HOUSEHOLDS',
  'FIRM_UNVERIFIED_ACCOUNTS',
] as const;
export type PortfolioType = (typeof PORTFOLIO_TYPES)[number];

export type ViewOutputType = 'CSV' | 'TSV' | 'XLSX' | 'JSON';

export interface ViewExportConfig {
  /** Stream name; stable, chosen by the user. */
  name: string;
  view_id: number;
  portfolio_type: PortfolioType;
  portfolio_ids: number[];
  output_type?: ViewOutputType;
}

export type QueryColumnType = 'number' | 'integer' | 'string' | 'date' | 'boolean';

export interface AttributeRef {
  key: string;
  arguments?: Record<string, unknown>;
}

export interface QueryColumnConfig extends AttributeRef {
  /** Record field name; default: the normalised key. Not sent to Addepar. */
  name?: string;
  /** Field type; default: from a table of well-known attributes, else string. Not sent to Addepar. */
  type?: QueryColumnType;
}

export interface QueryExportConfig {
  name: string;
  columns: QueryColumnConfig[];
  groupings: AttributeRef[];
  filters?: Record<string, unknown>[];
  portfolio_type: PortfolioType;
  portfolio_ids: number[];
  hide_previous_holdings?: boolean;
}

/** Addepar's published limits per firm (developers.addepar.com/docs/rate-limiting-1); raised limits are granted per firm. */
export interface AddeparRateLimitConfig extends RateLimitCommonConfig {
  requests_per_window?: number;
  window_seconds?: number;
  requests_per_day?: number;
}

export const ADDEPAR_DEFAULT_LIMITS = { requests_per_window: 50, window_seconds: 900, requests_per_day: 1000 } as const;

export interface AddeparConfig extends CommonConfig {
  base_url: string;
  firm_id: string;
  api_key?: string;
  api_secret?: string;
  oauth_access_token?: string;
  view_exports?: ViewExportConfig[];
  query_exports?: QueryExportConfig[];
  start_date: string;
  end_date?: string;
  window_size?: WindowSize;
  include_partial_window?: boolean;
  lookback_days?: number;
  max_concurrent_jobs?: number;
  job_timeout_minutes?: number;
  poll_interval_seconds?: number;
  max_poll_interval_seconds?: number;
  jobs_page_size?: number;
  cancel_jobs_on_stop?: boolean;
  rate_limit?: AddeparRateLimitConfig;
}

const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

const portfolioProperties: Record<string, JsonSchema> = {
  portfolio_type: {
    type: 'string',
    title: 'Portfolio type',
    description: 'Addepar portfolio type of the ids below (FIRM requires portfolio id 1).',
    enum: [...PORTFOLIO_TYPES],
  },
  portfolio_ids: {
    type: 'array',
    title: 'Portfolio ids',
    description: 'One job per portfolio id and date window; each portfolio keeps its own cursor.',
    items: { type: 'integer', minimum: 1 },
    minItems: 1,
  },
};

const STREAM_NAME: JsonSchema = {
  type: 'string',
  title: 'Stream name',
  description: 'Stable stream name (letters, digits, underscores). Renaming it starts a new stream.',
  pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
};

const attributeRef: JsonSchema = {
  type: 'object',
  required: ['key'],
  properties: {
    key: { type: 'string', description: 'Attribute API field name, e.g. "value" or "asset_class".' },
    arguments: { type: 'object', description: 'Attribute arguments, e.g. {"time_point": "2024-12-31"}.' },
  },
};

export const addeparConnectionSpecification: JsonSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Addepar (Jobs API)',
  type: 'object',
  required: ['base_url', 'firm_id', 'start_date'],
  additionalProperties: true,
  properties: {
    base_url: {
      type: 'string',
      title: 'Firm API base URL',
      description: 'Your firm\'s API URL, e.g. "https://examplefirm.addepar.com/api" (or "https://api.addepar.com/api").',
      pattern: '^https?://',
      examples: ['https://examplefirm.addepar.com/api'],
      order: 0,
    },
    firm_id: {
      type: 'string',
      title: 'Firm id',
      description: 'Sent as the Addepar-Firm header. Find it as addepar_firm= in an API URL generated from the Analysis tool.',
      pattern: '^\\S+$',
      order: 1,
    },
    api_key: {
      type: 'string',
      title: 'API key',
      description: 'Basic auth key (Firm Administration → API Access Key). Needed unless an OAuth token is given.',
      airbyte_secret: true,
      order: 2,
    },
    api_secret: {
      type: 'string',
      title: 'API secret',
      description: 'The secret paired with the API key.',
      airbyte_secret: true,
      order: 3,
    },
    oauth_access_token: {
      type: 'string',
      title: 'OAuth access token',
      description: 'Bearer token with the PORTFOLIO scope, used instead of the API key and secret.',
      airbyte_secret: true,
      order: 4,
    },
    view_exports: {
      type: 'array',
      title: 'Portfolio view exports',
      description: 'Saved analysis views to export with portfolio view jobs; one stream each.',
      order: 5,
      items: {
        type: 'object',
        required: ['name', 'view_id', 'portfolio_type', 'portfolio_ids'],
        additionalProperties: false,
        properties: {
          name: STREAM_NAME,
          view_id: { type: 'integer', title: 'View id', minimum: 1, description: 'The number after /views/ in the view URL.' },
          ...portfolioProperties,
          output_type: {
            type: 'string',
            title: 'Output type',
            description: 'Result file format Addepar produces. Records are the same whichever is chosen (JSON adds entity ids).',
            enum: ['CSV', 'TSV', 'XLSX', 'JSON'],
            default: 'CSV',
          },
        },
      },
    },
    query_exports: {
      type: 'array',
      title: 'Portfolio query exports',
      description: 'Portfolio queries (columns and groupings) to export with portfolio query jobs; one stream each.',
      order: 6,
      items: {
        type: 'object',
        required: ['name', 'columns', 'groupings', 'portfolio_type', 'portfolio_ids'],
        additionalProperties: false,
        properties: {
          name: STREAM_NAME,
          columns: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['key'],
              additionalProperties: false,
              properties: {
                ...attributeRef.properties,
                name: { type: 'string', description: 'Record field name (default: the key).' },
                type: {
                  type: 'string',
                  enum: ['number', 'integer', 'string', 'date', 'boolean'],
                  description: 'Field type (default: known for common attributes, else string).',
                },
              },
            },
          },
          groupings: { type: 'array', items: attributeRef },
          filters: { type: 'array', items: { type: 'object' }, description: 'Addepar filter objects, passed through unchanged.' },
          ...portfolioProperties,
          hide_previous_holdings: { type: 'boolean', default: false },
        },
      },
    },
    start_date: {
      type: 'string',
      title: 'Start date',
      description: 'First day of the first window (YYYY-MM-DD).',
      pattern: DATE_PATTERN,
      format: 'date',
      order: 7,
    },
    end_date: {
      type: 'string',
      title: 'End date',
      description: 'Read windows up to this day (YYYY-MM-DD); default: yesterday (UTC), the last day that is over. A window that ends after it is in progress: read only with include_partial_window.',
      pattern: DATE_PATTERN,
      format: 'date',
      order: 8,
    },
    window_size: {
      type: 'string',
      title: 'Window size',
      description: 'Each portfolio is exported per calendar day, ISO week or month.',
      enum: ['day', 'week', 'month'],
      default: 'month',
      order: 9,
    },
    include_partial_window: {
      type: 'boolean',
      title: 'Include the window in progress',
      description:
        'Also read the window that is not over yet (e.g. this month so far) on every sync, under the same keys it will have when complete: window_end is its last calendar day and as_of the last day its figures cover. Its cursor stays before it, so it is read again until it is over. Off: only complete windows are read.',
      default: false,
      order: 10,
    },
    lookback_days: {
      type: 'integer',
      title: 'Lookback (days)',
      description: 'Incremental syncs re-read every window that ends within this many days before the cursor, to pick up restated data.',
      minimum: 0,
      default: 0,
      order: 11,
    },
    max_concurrent_jobs: {
      type: 'integer',
      title: 'Max concurrent jobs',
      description: 'Jobs in flight at once (Addepar rejects jobs beyond its queue quota; they are retried).',
      minimum: 1,
      maximum: 20,
      default: 2,
      order: 12,
    },
    job_timeout_minutes: {
      type: 'number',
      title: 'Job timeout (minutes)',
      description: 'A job still unfinished after this long is cancelled (DELETE) and retried. Addepar\'s own limit is 4 hours.',
      minimum: 0.001,
      default: 240,
      order: 13,
    },
    poll_interval_seconds: {
      type: 'number',
      title: 'Poll interval (seconds)',
      description: 'First wait between status checks; it grows with backoff up to the maximum below.',
      minimum: 0.01,
      default: 10,
      order: 14,
    },
    max_poll_interval_seconds: {
      type: 'number',
      title: 'Max poll interval (seconds)',
      minimum: 0.01,
      default: 120,
      order: 15,
    },
    jobs_page_size: {
      type: 'integer',
      title: 'Jobs page size',
      description: 'page[limit] of GET /v1/jobs for the jobs stream.',
      minimum: 1,
      maximum: 2000,
      default: 500,
      order: 16,
    },
    cancel_jobs_on_stop: {
      type: 'boolean',
      title: 'Cancel jobs when stopped',
      description:
        'When a sync is stopped (SIGTERM/SIGINT), cancel the jobs it launched. Off by default: they keep running on Addepar and stay in the state, so the next sync reads them instead of starting over (a job may have run for hours). Jobs older than job_timeout_minutes are cancelled either way.',
      default: false,
      order: 17,
    },
    rate_limit: rateLimitSpec(
      "Addepar's limits for your firm, over every API call: 50 requests in any 15 minutes and 1,000 in any 24 hours unless Addepar raised them. jobtap spreads its requests to stay inside them.",
      {
        requests_per_window: {
          type: 'integer',
          title: 'Requests per window',
          description: 'Requests the firm may make in any window of window_seconds.',
          minimum: 1,
          default: ADDEPAR_DEFAULT_LIMITS.requests_per_window,
        },
        window_seconds: {
          type: 'number',
          title: 'Window (seconds)',
          description: 'Length of the sliding window of requests_per_window.',
          exclusiveMinimum: 0,
          default: ADDEPAR_DEFAULT_LIMITS.window_seconds,
        },
        requests_per_day: {
          type: 'integer',
          title: 'Requests per 24 hours',
          description: 'Requests the firm may make in any 24 hours. A sync stops launching jobs the rest of the day cannot finish, and ends resumably.',
          minimum: 1,
          default: ADDEPAR_DEFAULT_LIMITS.requests_per_day,
        },
      },
      18,
    ),
    ...commonConfigProperties,
  },
};

/** The config with defaults applied and cross-field rules checked. */
export interface ResolvedConfig {
  raw: AddeparConfig;
  baseUrl: string;
  startDate: string;
  endDate: string;
  windowSize: WindowSize;
  includePartialWindow: boolean;
  lookbackDays: number;
  maxConcurrentJobs: number;
  jobTimeoutMs: number;
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  jobsPageSize: number;
  onCastError: 'fail' | 'null';
  views: ViewExportConfig[];
  queries: QueryExportConfig[];
  rateLimit: Required<AddeparRateLimitConfig>;
  cancelJobsOnStop: boolean;
}

export const RESERVED_STREAM_NAMES = new Set(['jobs']);

/** Applies defaults; throws ConfigError for rules JSON Schema cannot express. */
export function resolveConfig(config: AddeparConfig): ResolvedConfig {
  if (!config.oauth_access_token) {
    if (Boolean(config.api_key) !== Boolean(config.api_secret)) {
      throw new ConfigError('api_key and api_secret go together: set both (or use oauth_access_token).');
    }
    if (!config.api_key) throw new ConfigError('Addepar needs credentials: set api_key and api_secret, or oauth_access_token.');
  }
  const startDate = config.start_date;
  const endDate = config.end_date ?? yesterdayUtc();
  toEpochDay(startDate);
  toEpochDay(endDate);
  // A start_date of today with the default end (yesterday) is simply nothing to read yet.
  if (config.end_date !== undefined && startDate > endDate) throw new ConfigError(`start_date ${startDate} is after end_date ${endDate}.`);
  const views = config.view_exports ?? [];
  const queries = config.query_exports ?? [];
  const names = new Set<string>();
  for (const e of [...views, ...queries]) {
    if (RESERVED_STREAM_NAMES.has(e.name)) throw new ConfigError(`Export name "${e.name}" is reserved for a built-in stream; choose another name.`);
    if (names.has(e.name)) throw new ConfigError(`Two exports are named "${e.name}"; stream names must be unique.`);
    names.add(e.name);
    if (new Set(e.portfolio_ids).size !== e.portfolio_ids.length) throw new ConfigError(`Export "${e.name}" lists a portfolio id twice.`);
    if (e.portfolio_type === 'FIRM' && e.portfolio_ids.some((id) => id !== 1)) {
      throw new ConfigError(`Export "${e.name}": for portfolio_type FIRM the portfolio id must be 1.`);
    }
  }
  const pollIntervalMs = Math.round((config.poll_interval_seconds ?? 10) * 1000);
  return {
    raw: config,
    baseUrl: config.base_url.replace(/\/+$/, ''),
    startDate,
    endDate,
    windowSize: config.window_size ?? 'month',
    includePartialWindow: config.include_partial_window ?? false,
    lookbackDays: config.lookback_days ?? 0,
    maxConcurrentJobs: config.max_concurrent_jobs ?? 2,
    jobTimeoutMs: Math.round((config.job_timeout_minutes ?? 240) * 60_000),
    pollIntervalMs,
    maxPollIntervalMs: Math.max(pollIntervalMs, Math.round((config.max_poll_interval_seconds ?? 120) * 1000)),
    jobsPageSize: config.jobs_page_size ?? 500,
    onCastError: config.on_cast_error ?? 'fail',
    views,
    queries,
    cancelJobsOnStop: config.cancel_jobs_on_stop ?? false,
    rateLimit: {
      ...ADDEPAR_DEFAULT_LIMITS,
      max_wait_minutes: DEFAULT_MAX_WAIT_MINUTES,
      clock_speed: 1,
      ...config.rate_limit,
    },
  };
}
