/**
 * One stream per configured export (portfolio view or portfolio query), on the job engine:
 * slices = portfolio × date window, one Addepar job each; records framed by records.ts.
 */
import type { Logger } from '../../core/logger.js';
import type { Stream } from '../../core/source.js';
import type { ParseOptions, ResultFormat } from '../../formats/types.js';
import type { RequestBudget } from '../../http/request-budget.js';
import { createJobStream, type JobEngineSettings } from '../../jobs/job-stream.js';
import { JobScheduler } from '../../jobs/scheduler.js';
import type { JobSlice } from '../../jobs/types.js';
import type { DateWindow } from '../../jobs/windows.js';
import type { AddeparApi, AddeparJobParams } from './api.js';
import type { AddeparSliceParams } from './slices.js';
import type { QueryExportConfig, ResolvedConfig, ViewExportConfig } from './config.js';
import { createRecordBuilder, CURSOR_FIELD, PRIMARY_KEY, recordSchema, type ResultShape, type SliceContext } from './records.js';
import { planExportSlices } from './slices.js';

/** Addepar deletes results 24 hours after the job was created. */
export const RESULT_RETENTION_MS = 24 * 3_600_000;

/**
 * Requests one job costs on average: its launch, its download, and a share of the job-list polls
 * that observe it with the others in flight. What a launch must leave room for in the day's quota.
 */
export const REQUESTS_PER_JOB = 3;

export function engineSettings(config: ResolvedConfig, budget: RequestBudget): JobEngineSettings {
  return {
    maxConcurrentJobs: config.maxConcurrentJobs,
    pollIntervalMs: config.pollIntervalMs,
    maxPollIntervalMs: config.maxPollIntervalMs,
    jobTimeoutMs: config.jobTimeoutMs,
    maxAttempts: 3,
    downloadRetries: 3,
    resultRetentionMs: RESULT_RETENTION_MS,
    // Addepar cancels a request still running after 60 s: never let a slow destination hold a download open.
    spoolDownloads: true,
    cancelOnStop: config.cancelJobsOnStop,
    onInvalidUtf8: config.raw.on_invalid_utf8 ?? 'windows-1252',
    launchBudget: {
      available: () => budget.available(),
      requestsPerJob: REQUESTS_PER_JOB,
      requestsPerInflightJob: REQUESTS_PER_JOB - 1,
      describe: () => budget.describeQuota(),
    },
    pollPaceMs: (inflight) => budget.pollPaceMs(inflight),
  };
}

/**
 * What every export stream of one config shares: the API (and its request budget), the resolved
 * config, and the job scheduler, so the jobs of all exports share the firm's job slots and polls.
 */
export interface AddeparConnection {
  api: AddeparApi;
  config: ResolvedConfig;
  scheduler: JobScheduler;
}

export function addeparScheduler(api: AddeparApi, config: ResolvedConfig): JobScheduler {
  return new JobScheduler({ maxConcurrentJobs: config.maxConcurrentJobs, pollPaceMs: (inflight) => api.budget.pollPaceMs(inflight) });
}

interface ExportDefinition {
  name: string;
  title: string;
  portfolioType: ViewExportConfig['portfolio_type'];
  portfolioIds: number[];
  shape: ResultShape;
  parse: ParseOptions;
  params(portfolioId: number, window: DateWindow): AddeparJobParams;
}

/** Parameters travel with each slice; the slice needs the window and portfolio back for its records. */
function sliceContext(slice: JobSlice<AddeparSliceParams>): SliceContext {
  const p = slice.params.parameters;
  const id = Array.isArray(p.portfolio_id) ? p.portfolio_id[0] : p.portfolio_id;
  return {
    portfolioType: String(p.portfolio_type),
    portfolioId: Number(id),
    window: slice.params.window,
    asOf: slice.params.asOf,
  };
}

function exportStream(def: ExportDefinition, { api, config, scheduler }: AddeparConnection, logger: Logger): Stream {
  const layout = def.parse.format === 'json' ? 'tree' : 'tabular';
  const builder = createRecordBuilder(def.shape, layout, config.onCastError, logger);
  return createJobStream<AddeparSliceParams>({
    info: {
      name: def.name,
      jsonSchema: recordSchema(def.shape, def.title),
      supportedSyncModes: ['full_refresh', 'incremental'],
      sourceDefinedCursor: true,
      defaultCursorField: CURSOR_FIELD,
      sourceDefinedPrimaryKey: PRIMARY_KEY,
      isResumable: true,
    },
    adapter: api,
    planSlices: (previous) =>
      planExportSlices(
        {
          portfolioType: def.portfolioType,
          portfolioIds: def.portfolioIds,
          startDate: config.startDate,
          endDate: config.endDate,
          windowSize: config.windowSize,
          lookbackDays: config.lookbackDays,
          includePartialWindow: config.includePartialWindow,
          parse: def.parse,
          params: def.params,
        },
        previous,
      ),
    toRecords: (rows, slice, ctx) => builder.toRecords(rows, sliceContext(slice), ctx),
    engine: engineSettings(config, api.budget),
    scheduler,
    // One portfolio over one window each: the rows per slice so far predict the stream's rows (Airbyte ESTIMATE).
    estimateRows: true,
  });
}

export function viewExportStream(view: ViewExportConfig, shape: ResultShape, conn: AddeparConnection, logger: Logger): Stream {
  const outputType = view.output_type ?? 'CSV';
  return exportStream(
    {
      name: view.name,
      title: `Addepar portfolio view ${view.view_id} (${view.portfolio_type})`,
      portfolioType: view.portfolio_type,
      portfolioIds: view.portfolio_ids,
      shape,
      parse: { format: outputType.toLowerCase() as ResultFormat, ...(outputType === 'JSON' ? { jsonLayout: 'addepar_tree' as const } : {}) },
      params: (portfolioId, window) => ({
        job_type: 'portfolio_view_results',
        parameters: {
          view_id: view.view_id,
          portfolio_type: view.portfolio_type,
          portfolio_id: String(portfolioId),
          output_type: outputType,
          start_date: window.start,
          end_date: window.end,
        },
      }),
    },
    conn,
    logger,
  );
}

export function queryExportStream(query: QueryExportConfig, shape: ResultShape, conn: AddeparConnection, logger: Logger): Stream {
  return exportStream(
    {
      name: query.name,
      title: `Addepar portfolio query ${query.name} (${query.portfolio_type})`,
      portfolioType: query.portfolio_type,
      portfolioIds: query.portfolio_ids,
      shape,
      parse: { format: 'json', jsonLayout: 'addepar_tree' },
      params: (portfolioId, window) => ({
        job_type: 'PORTFOLIO_QUERY',
        parameters: {
          // Only what Addepar understands: jobtap's own per-column settings (name, type) stay here.
          columns: query.columns.map((c) => ({ key: c.key, ...(c.arguments ? { arguments: c.arguments } : {}) })),
          groupings: query.groupings.map((g) => ({ key: g.key, ...(g.arguments ? { arguments: g.arguments } : {}) })),
          ...(query.filters ? { filters: query.filters } : {}),
          portfolio_type: query.portfolio_type,
          portfolio_id: [portfolioId],
          start_date: window.start,
          end_date: window.end,
          hide_previous_holdings: query.hide_previous_holdings ?? false,
        },
      }),
    },
    conn,
    logger,
  );
}
