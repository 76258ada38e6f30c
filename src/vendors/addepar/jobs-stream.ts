/**
 * The `jobs` stream: every job visible to the user (GET /v1/jobs, all pages through links.next),
 * typed by schemas/addepar/jobs.json. Full refresh only: Addepar keeps jobs for 24 hours, so
 * there is no stable cursor to sync incrementally from.
 */
import type { Logger } from '../../core/logger.js';
import type { ReadRequest, Row, Stream, StreamEvent } from '../../core/source.js';
import { parseDateTimeText } from '../../formats/cells.js';
import type { AddeparApi, AddeparJobResource } from './api.js';
import { loadAddeparSchema } from './schemas.js';

export const JOBS_STREAM = 'jobs';

function timestamp(value: unknown, field: string, jobId: string, logger: Logger): string | null {
  if (value === null || value === undefined || value === '') return null;
  const parsed = typeof value === 'string' ? parseDateTimeText(value) : undefined;
  if (parsed === undefined) {
    // A malformed vendor timestamp should not fail the whole job list; it is reported instead.
    logger.warn(`jobs: job ${jobId} has an unreadable ${field} ${JSON.stringify(value)}; emitted as null`);
    return null;
  }
  return parsed;
}

export function jobRecord(job: AddeparJobResource, logger: Logger): Row {
  const a = job.attributes ?? {};
  const id = String(job.id);
  const percent = typeof a.percent_complete === 'number' && Number.isFinite(a.percent_complete) ? a.percent_complete : null;
  const creator = job.relationships?.creator?.data?.id;
  return {
    id,
    job_type: typeof a.job_type === 'string' ? a.job_type : null,
    status: typeof a.status === 'string' ? a.status : null,
    percent_complete: percent,
    parameters: a.parameters && typeof a.parameters === 'object' ? a.parameters : null,
    errors: Array.isArray(a.errors) ? a.errors : null,
    created_at: timestamp(a.created_at, 'created_at', id, logger),
    started_at: timestamp(a.started_at, 'started_at', id, logger),
    completed_at: timestamp(a.completed_at, 'completed_at', id, logger),
    creator_id: creator === undefined || creator === null ? null : String(creator),
  };
}

export function createJobsStream(api: AddeparApi, pageSize: number): Stream {
  return {
    name: JOBS_STREAM,
    jsonSchema: loadAddeparSchema('jobs'),
    supportedSyncModes: ['full_refresh'],
    sourceDefinedPrimaryKey: [['id']],
    // The firm's job list is worth most after this sync's export jobs ran: it then shows them too.
    readAfterOthers: true,
    // Job errors are Addepar's own words, which may quote the request (and its credentials).
    carriesVendorText: true,
    async *read(request: ReadRequest): AsyncGenerator<StreamEvent> {
      for await (const page of api.listJobs(pageSize, request.signal)) {
        const records = page.map((j) => jobRecord(j, request.logger));
        if (records.length > 0) yield { type: 'records', records };
      }
    },
  };
}
