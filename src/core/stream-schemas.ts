/**
 * The fixed stream schemas ship as JSON files in the package's schemas/<vendor>/ folder (readable
 * by users and tools, and used by the code): loaded from there at runtime. The folder is found by
 * walking up from this module, which works from src/ (tests) and dist/src/ (the CLIs).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SystemError } from './errors.js';
import type { JsonSchema } from './json-schema.js';

const cache = new Map<string, JsonSchema>();

function schemasDir(vendor: string): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = path.join(dir, 'schemas', vendor);
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new SystemError(`Cannot find the schemas/${vendor} folder of the jobtap package (is the package installed completely?)`);
}

/** A fresh copy of schemas/<vendor>/<name>.json (callers may adjust it). */
export function loadStreamSchema(vendor: string, name: string): JsonSchema {
  const key = `${vendor}/${name}`;
  let schema = cache.get(key);
  if (schema === undefined) {
    const file = path.join(schemasDir(vendor), `${name}.json`);
    try {
      schema = JSON.parse(readFileSync(file, 'utf8')) as JsonSchema;
    } catch (err) {
      throw new SystemError(`Cannot read stream schema ${file}: ${(err as Error).message}`, { cause: err });
    }
    cache.set(key, schema);
  }
  return structuredClone(schema);
}
