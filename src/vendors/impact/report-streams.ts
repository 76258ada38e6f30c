/**
 * One stream per configured report export. Each sync cuts the report's date range into windows
 * (day, week or month) from the cursor (minus `lookback_days`, for late-arriving actions) to today,
 * and runs one export per window through the job engine:
 * GET /Mediapartners/{AccountSID}/ReportExport/{Id}?START_DATE&END_DATE&ResultFormat → QueuedUri
 * (a Partner Jobs job) → poll GET .../Jobs/{JobId} → GET .../Jobs/{JobId}/Download.
 * The partition is the report id; its cursor is the last completed window's end day.
 */
import type { Logger } from '../../core/logger.js';
import type { Row, Stream } from '../../core/source.js';
import { createJobStream } from '../../jobs/job-stream.js';
import type { JobScheduler } from '../../jobs/scheduler.js';
import type { JobSlice, JobStreamState } from '../../jobs/types.js';
import { dateWindows, windowStartAfterCursor } from '../../jobs/windows.js';
import { ImpactJobAdapter, type ImpactJobParams } from './adapter.js';
import { REPORT_EXPORT_CATEGORY, type ImpactApi } from './api.js';
import type { ImpactSettings, ResolvedReport } from './config.js';
import { todayUtc } from './job-listing.js';
import { engineSettings } from './results-stream.js';
import { FileRowTyper } from './result-typing.js';
import { loadImpactSchema } from './schemas.js';

export function planReportSlices(report: ResolvedReport, previous: JobStreamState | undefined, today: string): JobSlice<ImpactJobParams>[] {
  const cursor = previous?.partitions[report.reportId]?.cursor;
  const start = windowStartAfterCursor(cursor, report.startDate, report.lookbackDays);
  return dateWindows(start, today, report.window).map((w) => ({
    key: `${report.reportId}|${w.start}..${w.end}`,
    partition: report.reportId,
    cursor: w.end,
    params: {
      kind: 'export',
      request: { reportId: report.reportId, startDate: w.start, endDate: w.end, resultFormat: report.resultFormat, programId: report.programId },
    },
    parse: { format: report.resultFormat === 'JSON' ? 'json' : 'csv' },
  }));
}

export function createReportStream(api: ImpactApi, settings: ImpactSettings, report: ResolvedReport, logger: Logger, scheduler?: JobScheduler): Stream {
  const adapter = new ImpactJobAdapter(api, { replay: true, streamName: report.name, logger });
  let typer: { jobId: string; typer: FileRowTyper } | undefined;
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
      const { request } = slice.params;
      if (typer?.jobId !== ctx.jobId) typer = { jobId: ctx.jobId, typer: new FileRowTyper(`report ${report.reportId} ${request.startDate}..${request.endDate} (job ${ctx.jobId})`, settings.onCastError) };
      const typed = typer.typer.type(rows, ctx.firstRowNumber);
      typer.typer.reportCastFailures(logger);
      return typed.map((data, i) => ({
        report_id: report.reportId,
        window_start: request.startDate,
        window_end: request.endDate,
        job_id: ctx.jobId,
        row_number: ctx.firstRowNumber + i,
        data,
      }));
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
