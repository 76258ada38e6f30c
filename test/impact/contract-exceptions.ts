/**
 * Endpoints jobtap calls that the Partner Jobs seed does not declare, each with where it is
 * documented. ReportExport is documented in impact.com's Partner Reports API (v16), "Export a report
 * (asynchronous)": GET /Mediapartners/{AccountSID}/ReportExport/{Id} with START_DATE and END_DATE
 * (required, YYYY-MM-DD), SUBAID and ResultFormat (CSV, JSON, XML); it answers with Status,
 * QueuedUri, ResultUri and ReplayUri pointing into the Partner Jobs API.
 */
import type { DocumentedException } from './openapi-contract.js';

export const REPORT_EXPORT_EXCEPTION: DocumentedException = {
  method: 'GET',
  path: '/Mediapartners/{AccountSID}/ReportExport/{Id}',
  source: 'impact.com Partner Reports API v16, operation exportReports (ReportExport)',
  parameters: [
    { name: 'AccountSID', in: 'path', required: true, schema: { type: 'string' } },
    { name: 'Id', in: 'path', required: true, schema: { type: 'string' } },
    { name: 'SUBAID', in: 'query', schema: { type: 'string' } },
    { name: 'START_DATE', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
    { name: 'END_DATE', in: 'query', required: true, schema: { type: 'string', format: 'date' } },
    { name: 'ResultFormat', in: 'query', schema: { type: 'string', enum: ['CSV', 'JSON', 'XML'] } },
  ],
};

/** "List reports available to a partner": what `check` reads to validate configured report ids. */
export const LIST_REPORTS_EXCEPTION: DocumentedException = {
  method: 'GET',
  path: '/Mediapartners/{AccountSID}/Reports',
  source: 'impact.com Partner Reports API v16, operation listReports (Reports)',
  parameters: [{ name: 'AccountSID', in: 'path', required: true, schema: { type: 'string' } }],
};

/**
 * Paging of the job list, which the seed leaves out: impact.com's list endpoints take Page and
 * PageSize and answer with @page, @numpages, @pagesize, @total and @nextpageuri (research/vendor-facts.md).
 */
export const JOBS_PAGING_ADDITION: DocumentedException = {
  method: 'GET',
  path: '/Mediapartners/{AccountSID}/Jobs',
  source: 'impact.com API conventions: list endpoints page with Page and PageSize',
  parameters: [
    { name: 'Page', in: 'query', schema: { type: 'integer' } },
    { name: 'PageSize', in: 'query', schema: { type: 'integer' } },
  ],
};

export const DOCUMENTED_EXCEPTIONS: DocumentedException[] = [
  REPORT_EXPORT_EXCEPTION,
  { ...LIST_REPORTS_EXCEPTION, parameters: [...LIST_REPORTS_EXCEPTION.parameters, ...JOBS_PAGING_ADDITION.parameters] },
  JOBS_PAGING_ADDITION,
];
