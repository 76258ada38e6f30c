/**
 * The fixed stream schemas live as JSON files in the package's schemas/impact/ folder (shipped
 * with the package, readable by users and tools); they are loaded from there at runtime. The folder
 * is found by walking up from this module, which works from src/ (tests) and dist/src/ (the CLIs).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SystemError } from '../../core/errors.js';
import type { JsonSchema } from '../../core/json-schema.js';

export type ImpactSchemaName = 'jobs' | 'job_results' | 'report_export';

const cache = new Map<ImpactSchemaName, JsonSchema>();

function schemasDir(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'schemas', 'impact');
    if (existsSync(path.join(candidate, 'jobs.json'))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new SystemError('Cannot find the schemas/impact folder of the jobtap package (is the package installed completely?)');
}

/** A fresh copy of the named stream schema (callers may adjust it). */
export function loadImpactSchema(name: ImpactSchemaName): JsonSchema {
  let schema = cache.get(name);
  if (schema === undefined) {
    const file = path.join(schemasDir(), `${name}.json`);
    try {
      schema = JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
    } catch (err) {
      throw new SystemError(`Cannot read stream schema ${file}: ${(err as Error).message}`, { cause: err });
    }
    cache.set(name, schema);
  }
  return structuredClone(schema);
}
