/**
 * One stream per configured report export. Its windows (day, week or month) come from one fixed
 * calendar grid from the report's start date, each with its full calendar bounds, so a window and
 * its rows keep their keys in every sync. Each sync exports the complete windows (through
 * yesterday) after the cursor, minus `lookback_days` for late-arriving actions, and — with
 * `include_partial_window` — the window in progress, through yesterday, under its full bounds (its
 * cursor stays before it, so it is exported again until it is over). One export per window:
 * GET /Mediapartners/{AccountSID}/ReportExport/{Id}?START_DATE&END_DATE&ResultFormat → QueuedUri
 * (a Partner Jobs job) → poll GET .../Jobs/{JobId} → GET .../Jobs/{JobId}/Download.
 * The partition is the report id; its cursor is the last completed window's end day.
 */
import type { Logger } from '../../core/logger.js';
import type { Row, Stream } from '../../core/source.js';
import { createJobStream } from '../../jobs/job-stream.js';
import type { JobScheduler } from '../../jobs/scheduler.js';
import type { JobSlice, JobStreamState } from '../../jobs/types.js';
import { addDays, cursorAfter, windowGrid, windowSliceKey, windowsToRead } from '../../jobs/windows.js';
import { ImpactJobAdapter, type ImpactJobParams } from './adapter.js';
import { REPORT_EXPORT_CATEGORY, type ImpactApi } from './api.js';
import type { ImpactSettings, ResolvedReport } from './config.js';
import { todayUtc } from './job-listing.js';
import { engineSettings } from './results-stream.js';
import { FileRowTyper, type EnvelopeFields } from './result-typing.js';
import { loadImpactSchema } from './schemas.js';

type ExportParams = Extract<ImpactJobParams, { kind: 'export' }>;

export function planReportSlices(report: ResolvedReport, previous: JobStreamState | undefined, today: string): JobSlice<ImpactJobParams>[] {
  const cursor = previous?.partitions[report.reportId]?.cursor;
  // Today is not over: its actions keep arriving.
  const grid = windowGrid(report.startDate, addDays(today, -1), report.window);
  return windowsToRead(grid, cursor, report.lookbackDays, report.includePartialWindow).map((w) => ({
    key: windowSliceKey(report.reportId, w),
    partition: report.reportId,
    cursor: cursorAfter(w),
    params: {
      kind: 'export',
      request: { reportId: report.reportId, startDate: w.window.start, endDate: w.through, resultFormat: report.resultFormat, programId: report.programId },
      window: w.window,
      asOf: w.through,
    },
    parse: { format: report.resultFormat === 'JSON' ? 'json' : 'csv' },
  }));
}

export function createReportStream(api: ImpactApi, settings: ImpactSettings, report: ResolvedReport, logger: Logger, scheduler?: JobScheduler): Stream {
  const adapter = new ImpactJobAdapter(api, { replay: true, streamName: report.name, logger });
  let typer: { jobId: string; typer: FileRowTyper } | undefined;
  /** One typer per result file (the window's job): its schema is inferred from the file's first rows. */
  const typerFor = (params: ExportParams, jobId: string): FileRowTyper => {
    if (typer?.jobId !== jobId) {
      typer = { jobId, typer: new FileRowTyper(`report ${report.reportId} ${params.request.startDate}..${params.request.endDate} (job ${jobId})`, settings.onCastError) };
    }
    return typer.typer;
  };
  /** What every record of a window's export carries besides the row: the report, the window, the job. */
  const envelopeFields = (params: ExportParams, jobId: string): EnvelopeFields => [
    ['report_id', report.reportId],
    ['window_start', params.window.start],
    ['window_end', params.window.end],
    ['as_of', params.asOf],
    ['job_id', jobId],
  ];
  return createJobStream<ImpactJobParams>({
    info: {
      name: report.name,
      jsonSchema: { ...loadImpactSchema('report_export'), title: `impact.com report ${report.reportId}` },
      supportedSyncModes: ['full_refresh', 'incremental'],
      sourceDefinedCursor: true,
      defaultCursorField: ['window_end'],
      sourceDefinedPrimaryKey: [['window_start'], ['window_end'], ['row_number']],
      isResumable: true,
    },
    adapter,
    planSlices: (previous) => planReportSlices(report, previous, todayUtc()),
    toRecords(rows, slice, ctx): Row[] {
      if (slice.params.kind !== 'export') return [];
      const file = typerFor(slice.params, ctx.jobId);
      const records = file.toRecords(rows, ctx.firstRowNumber, envelopeFields(slice.params, ctx.jobId));
      file.reportCastFailures(logger);
      return records;
    },
    toEncodedRecords(runs, slice, ctx) {
      if (slice.params.kind !== 'export') return undefined;
      const file = typerFor(slice.params, ctx.jobId);
      const records = file.encode(runs, ctx.firstRowNumber, envelopeFields(slice.params, ctx.jobId));
      file.reportCastFailures(logger);
      return records;
    },
    engine: {
      ...engineSettings(settings, api.budget),
      // Each window spends one ReportExport call of the day's quota (polls and downloads are ordinary requests).
      launchBudget: {
        available: () => api.budget.available(REPORT_EXPORT_CATEGORY),
        requestsPerJob: 1,
        requestsPerInflightJob: 0,
        describe: () => api.budget.describeQuota(REPORT_EXPORT_CATEGORY),
      },
    },
    ...(scheduler === undefined ? {} : { scheduler }),
  });
}
