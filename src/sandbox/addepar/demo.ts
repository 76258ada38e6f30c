/**
 * A ready source-addepar / tap-addepar config for the sandbox, used by the demo and the docs:
 * every export type of the sandbox firm, each output format, entity, group and firm portfolios.
 */
import { ADDEPAR_RATE_LIMITS, type AddeparSandbox } from './sandbox.js';

export interface SandboxConfigOptions {
  startDate?: string;
  /** Default 2024-06-30: six monthly windows. */
  endDate?: string;
  /** Default 0.2 s: sandbox jobs advance a stage per poll (and per --ms-per-stage), finishing in about a second. */
  pollIntervalSeconds?: number;
}

/**
 * The connector's `rate_limit` for this sandbox: its limits (the published ones unless a test
 * raised them; the published ones too when the sandbox has them off) and its clock speed.
 */
export function addeparSandboxRateLimit(sandbox: Pick<AddeparSandbox, 'rateLimits' | 'clock'>): Record<string, number> {
  const l = sandbox.rateLimits ?? ADDEPAR_RATE_LIMITS;
  return {
    requests_per_window: l.requestsPerWindow,
    window_seconds: l.windowMs / 1000,
    requests_per_day: l.requestsPerDay,
    clock_speed: sandbox.clock.speed,
  };
}

export function addeparSandboxConfig(sandbox: Pick<AddeparSandbox, 'url' | 'credentials' | 'rateLimits' | 'clock'>, options: SandboxConfigOptions = {}): Record<string, unknown> {
  return {
    base_url: sandbox.url,
    firm_id: sandbox.credentials.firmId,
    api_key: sandbox.credentials.apiKey,
    api_secret: sandbox.credentials.apiSecret,
    start_date: options.startDate ?? '2024-01-01',
    end_date: options.endDate ?? '2024-06-30',
    window_size: 'month',
    lookback_days: 0,
    max_concurrent_jobs: 3,
    poll_interval_seconds: options.pollIntervalSeconds ?? 0.2,
    max_poll_interval_seconds: Math.max(options.pollIntervalSeconds ?? 0.2, 1),
    rate_limit: addeparSandboxRateLimit(sandbox),
    view_exports: [
      { name: 'holdings_by_asset_class', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101, 102, 103], output_type: 'CSV' },
      { name: 'firm_performance_by_sector', view_id: 14, portfolio_type: 'FIRM', portfolio_ids: [1], output_type: 'XLSX' },
    ],
    query_exports: [
      {
        name: 'household_allocation',
        columns: [{ key: 'value' }, { key: 'time_weighted_return' }, { key: 'weight' }, { key: 'inception_date' }],
        groupings: [{ key: 'asset_class' }, { key: 'security' }],
        portfolio_type: 'GROUP',
        portfolio_ids: [501],
        hide_previous_holdings: true,
      },
    ],
  };
}
