/**
 * Validation of POST /v1/jobs bodies, as the Jobs API documents it: a JSON:API document with
 * `data.type`, `attributes.job_type` and the parameters of a portfolio view or query job.
 * Request-level problems are 400s with an `errors[]` array; problems only found when the job
 * runs (an unknown portfolio or view) are returned as the job's fate instead.
 */
import { columnAttribute, groupingAttribute, type AnalysisRequest, type DiscreteFilter } from './analysis.js';
import { findPortfolio, isValidDate } from './dataset.js';
import type { JobErrorObject } from './jobs.js';
import type { SandboxOutputType } from './render.js';
import { findView } from './views.js';

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

/** What a validated job will compute and how it will be rendered. */
export interface JobPlan {
  jobType: 'portfolio_view_results' | 'PORTFOLIO_QUERY';
  analysis: AnalysisRequest;
  outputType: SandboxOutputType;
  dataType: string;
  /** Report title: the view's name, or "Portfolio Query"; spreadsheet exports show it above the table. */
  title: string;
  /** Set when the job must end as Error Cancelled (e.g. an unknown portfolio). */
  runError?: JobErrorObject;
  echo: Record<string, unknown>;
}

export type ValidationResult = { ok: true; plan: JobPlan } | { ok: false; errors: JobErrorObject[] };

function bad(detail: string): JobErrorObject {
  return { status: '400', title: 'Bad Request', detail };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toIds(v: unknown): number[] | undefined {
  const list = Array.isArray(v) ? v : [v];
  const ids = list.map((x) => (typeof x === 'number' ? x : typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : NaN));
  return ids.length > 0 && ids.every((n) => Number.isInteger(n)) ? ids : undefined;
}

function attributeKeys(v: unknown, name: string, errors: JobErrorObject[], known: (k: string) => boolean): string[] {
  if (!Array.isArray(v)) {
    errors.push(bad(`Missing parameter: ${name} must be an array of objects with a key`));
    return [];
  }
  const keys: string[] = [];
  for (const item of v) {
    const key = isRecord(item) ? item.key : undefined;
    if (typeof key !== 'string') errors.push(bad(`Invalid ${name} entry: each needs a "key"`));
    else if (!known(key)) errors.push(bad(`Invalid attribute: ${key} is not a supported ${name === 'columns' ? 'column' : 'grouping'}`));
    else keys.push(key);
  }
  return keys;
}

function parseFilters(v: unknown, errors: JobErrorObject[]): DiscreteFilter[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    errors.push(bad('Invalid parameter: filters must be an array'));
    return [];
  }
  const out: DiscreteFilter[] = [];
  for (const f of v) {
    const attribute = isRecord(f) ? (isRecord(f.attribute) ? f.attribute.key : f.attribute) : undefined;
    const operator = isRecord(f) ? f.operator : undefined;
    const values = isRecord(f) ? f.values : undefined;
    if (typeof attribute !== 'string' || !groupingAttribute(attribute)) {
      errors.push(bad(`Invalid filter attribute: ${String(attribute)}`));
    } else if (operator !== 'include' && operator !== 'exclude') {
      errors.push(bad(`Invalid filter operator: ${String(operator)}`));
    } else if (!Array.isArray(values) || !values.every((x) => typeof x === 'string' || typeof x === 'number')) {
      errors.push(bad('Invalid filter values: expected an array'));
    } else {
      out.push({ attribute, operator, values: values.map(String) });
    }
  }
  return out;
}

/** Validates a POST /v1/jobs body. */
export function validateJobRequest(body: unknown): ValidationResult {
  const errors: JobErrorObject[] = [];
  const data = isRecord(body) ? body.data : undefined;
  if (!isRecord(data)) return { ok: false, errors: [bad('Bad JSON: API format, expected a "data" object')] };
  if (data.type !== 'job' && data.type !== 'jobs') errors.push(bad('Bad JSON: API format, data.type must be "jobs"'));
  const attributes = data.attributes;
  if (!isRecord(attributes)) return { ok: false, errors: [...errors, bad('Bad JSON: API format, expected data.attributes')] };
  const jobTypeRaw = typeof attributes.job_type === 'string' ? attributes.job_type : '';
  const jobType = jobTypeRaw.toLowerCase() === 'portfolio_view_results' ? 'portfolio_view_results' : jobTypeRaw.toUpperCase() === 'PORTFOLIO_QUERY' ? 'PORTFOLIO_QUERY' : undefined;
  if (!jobType) return { ok: false, errors: [...errors, bad(`Invalid job_type: ${jobTypeRaw || '(missing)'}`)] };
  const p = attributes.parameters;
  if (!isRecord(p)) return { ok: false, errors: [...errors, bad('Missing parameter: parameters')] };

  const portfolioType = typeof p.portfolio_type === 'string' ? p.portfolio_type.toUpperCase() : undefined;
  if (!portfolioType) errors.push(bad('Missing parameter: portfolio_type'));
  else if (!(PORTFOLIO_TYPES as readonly string[]).includes(portfolioType)) errors.push(bad(`Invalid portfolio_type: ${String(p.portfolio_type)}`));
  const portfolioIds = p.portfolio_id === undefined ? undefined : toIds(p.portfolio_id);
  if (p.portfolio_id === undefined) errors.push(bad('Missing parameter: portfolio_id'));
  else if (!portfolioIds) errors.push(bad(`Invalid portfolio_id: ${JSON.stringify(p.portfolio_id)}`));
  for (const k of ['start_date', 'end_date'] as const) {
    const v = p[k];
    if (v === undefined) errors.push(bad(`Missing parameter: ${k}`));
    else if (typeof v !== 'string' || !isValidDate(v)) errors.push(bad(`Invalid ${k}: expected "YYYY-MM-DD"`));
  }
  if (typeof p.start_date === 'string' && typeof p.end_date === 'string' && p.start_date > p.end_date) {
    errors.push(bad('Invalid date range: start_date is after end_date'));
  }

  let outputType: JobPlan['outputType'] = 'JSON';
  let columns: string[] = [];
  let groupings: string[] = [];
  let filters: DiscreteFilter[] = [];
  let runError: JobErrorObject | undefined;
  let title = 'Portfolio Query';
  if (jobType === 'portfolio_view_results') {
    const viewId = toIds(p.view_id);
    if (p.view_id === undefined) errors.push(bad('Missing parameter: view_id'));
    else if (!viewId || viewId.length !== 1) errors.push(bad(`Invalid view_id: ${JSON.stringify(p.view_id)}`));
    const ot = typeof p.output_type === 'string' ? p.output_type.toUpperCase() : undefined;
    if (!ot) errors.push(bad('Missing parameter: output_type'));
    else if (ot !== 'CSV' && ot !== 'TSV' && ot !== 'XLSX' && ot !== 'JSON') errors.push(bad(`Invalid output_type: ${String(p.output_type)}`));
    else outputType = ot;
    const view = viewId?.length === 1 ? findView(viewId[0]!) : undefined;
    if (viewId?.length === 1 && !view) runError = { status: '404', title: 'Not Found', detail: `Invalid view: ${viewId[0]!}` };
    if (view) {
      title = view.displayName;
      columns = view.columns;
      groupings = view.groupings;
    }
  } else {
    columns = attributeKeys(p.columns, 'columns', errors, (k) => columnAttribute(k) !== undefined);
    if (Array.isArray(p.columns) && p.columns.length === 0) errors.push(bad('Missing parameter: columns must not be empty'));
    groupings = attributeKeys(p.groupings, 'groupings', errors, (k) => groupingAttribute(k) !== undefined);
    filters = parseFilters(p.filters, errors);
    if (p.hide_previous_holdings !== undefined && typeof p.hide_previous_holdings !== 'boolean') {
      errors.push(bad('Invalid hide_previous_holdings: expected a boolean'));
    }
  }
  if (errors.length > 0 || !portfolioType || !portfolioIds) return { ok: false, errors };

  const analysis: AnalysisRequest = {
    portfolioType,
    portfolioIds,
    startDate: p.start_date as string,
    endDate: p.end_date as string,
    columns,
    groupings,
    filters,
    hidePreviousHoldings: p.hide_previous_holdings === true,
  };
  if (!runError) {
    // Unknown portfolios are found now; the job reports them when it runs.
    const unknown = portfolioIds.find((id) => findPortfolio(portfolioType, id) === undefined);
    if (unknown !== undefined) runError = bad(`Invalid portfolio: ${portfolioType} ${unknown}`);
  }
  const echo: Record<string, unknown> = { ...p };
  if (jobType === 'PORTFOLIO_QUERY' && p.hide_previous_holdings === undefined) echo.hide_previous_holdings = false;
  return {
    ok: true,
    plan: {
      jobType,
      analysis,
      outputType,
      dataType: jobType === 'PORTFOLIO_QUERY' ? 'portfolios' : 'portfolio_views',
      title,
      runError,
      echo,
    },
  };
}
