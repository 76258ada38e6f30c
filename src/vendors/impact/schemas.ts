/** The impact.com streams whose schema is fixed (schemas/impact/*.json). */
import type { JsonSchema } from '../../core/json-schema.js';
import { loadStreamSchema } from '../../core/stream-schemas.js';

export type ImpactSchemaName = 'jobs' | 'job_results' | 'report_export';

export function loadImpactSchema(name: ImpactSchemaName): JsonSchema {
  return loadStreamSchema('impact', name);
}
