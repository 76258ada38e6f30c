/**
 * Config settings every jobtap connector understands, whatever the vendor. Vendor specs merge
 * these properties into their own connectionSpecification so Airbyte UIs, Meltano settings and
 * the read loop all agree on one name and default.
 */
import type { JsonSchema } from './json-schema.js';

export const DEFAULT_CHECKPOINT_INTERVAL_RECORDS = 10_000;

export const commonConfigProperties: Record<string, JsonSchema> = {
  checkpoint_interval_records: {
    type: 'integer',
    title: 'Checkpoint interval (records)',
    description:
      'Emit a STATE message after about this many records inside a stream (at the next batch boundary), ' +
      'so an interrupted sync resumes close to where it stopped.',
    minimum: 1,
    default: DEFAULT_CHECKPOINT_INTERVAL_RECORDS,
  },
  on_cast_error: {
    type: 'string',
    title: 'On cast error',
    description:
      'What to do with a result cell that cannot be cast to its column type: "fail" stops the sync with an error ' +
      'naming the file, row and column; "null" emits null for that cell and logs a warning.',
    enum: ['fail', 'null'],
    default: 'fail',
  },
  on_invalid_utf8: {
    type: 'string',
    title: 'On invalid UTF-8',
    description:
      'A CSV/TSV/JSON result that is not valid UTF-8 and whose Content-Type declares no charset: "windows-1252" reads it as Windows-1252 (the usual legacy export encoding) with a warning naming the file; "fail" stops the sync naming the file and byte. A declared charset is always honoured, and text is never replaced by U+FFFD.',
    enum: ['windows-1252', 'fail'],
    default: 'windows-1252',
  },
};

export interface CommonConfig {
  checkpoint_interval_records?: number;
  on_cast_error?: 'fail' | 'null';
  on_invalid_utf8?: 'windows-1252' | 'fail';
}

/** The checkpoint interval a (validated) config asks for, falling back to the default. */
export function checkpointIntervalOf(config: unknown): number {
  if (config !== null && typeof config === 'object') {
    const v = (config as CommonConfig).checkpoint_interval_records;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 1) return v;
  }
  return DEFAULT_CHECKPOINT_INTERVAL_RECORDS;
}
