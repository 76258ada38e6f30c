/**
 * Independent expectations for typed result rows: what a sandbox export row must become in a
 * record, written from the export's own conventions (two-decimal amounts are numbers, empty cells
 * are null, ids and dates stay as written) rather than by calling the code under test.
 */
import { normaliseColumnName } from '../../src/formats/normalise.js';
import { resultRows, type ExportRow, type ResultSpec } from '../../src/sandbox/impact/index.js';

export function expectedTyped(row: ExportRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row)) {
    const key = normaliseColumnName(column);
    if (value === '') out[key] = null;
    else if (typeof value === 'string' && /^-?\d+\.\d{2}$/.test(value)) out[key] = Number(value);
    else out[key] = value;
  }
  return out;
}

export function expectedData(account: string, spec: ResultSpec): Record<string, unknown>[] {
  return resultRows(account, spec).map(expectedTyped);
}
