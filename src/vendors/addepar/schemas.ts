/** The Addepar streams whose schema is fixed (schemas/addepar/*.json). */
import type { JsonSchema } from '../../core/json-schema.js';
import { loadStreamSchema } from '../../core/stream-schemas.js';

export type AddeparSchemaName = 'jobs';

export function loadAddeparSchema(name: AddeparSchemaName): JsonSchema {
  return loadStreamSchema('addepar', name);
}
