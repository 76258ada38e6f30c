/**
 * Validates protocol messages printed by the CLIs in tests.
 * Every message is checked against jobtap's own strict draft-07 schemas (test/protocol/*.schema.json,
 * written from the Airbyte and Singer documentation) and, when the folder ../shared/protocol exists,
 * also against every official JSON Schema file found there. Singer output is additionally checked
 * as a sequence: a RECORD needs an earlier SCHEMA of its stream, and must conform to that schema.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ValidateFunction } from 'ajv';
import { createAjv } from '../../src/core/ajv.js';
import { repoRoot } from './cli.js';

export const officialProtocolDir = path.join(repoRoot, '../shared/protocol');
const ownSchemaDir = path.join(repoRoot, 'test/protocol');

interface Validators {
  airbyte: { name: string; validate: ValidateFunction }[];
  singer: { name: string; validate: ValidateFunction }[];
}

let cached: Validators | undefined;

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

function loadValidators(): Validators {
  if (cached !== undefined) return cached;
  const ajv = createAjv();
  const airbyte: Validators['airbyte'] = [];
  const singer: Validators['singer'] = [];
  airbyte.push({
    name: 'test/protocol/airbyte-protocol.schema.json',
    validate: ajv.compile(readJson(path.join(ownSchemaDir, 'airbyte-protocol.schema.json'))),
  });
  singer.push({
    name: 'test/protocol/singer-messages.schema.json',
    validate: ajv.compile(readJson(path.join(ownSchemaDir, 'singer-messages.schema.json'))),
  });
  if (existsSync(officialProtocolDir)) {
    for (const file of findJsonFiles(officialProtocolDir)) {
      const schema = readJson(file);
      const name = path.relative(officialProtocolDir, file);
      const definitions = schema.definitions as Record<string, unknown> | undefined;
      // The official airbyte_protocol schema is a bag of definitions; messages are its AirbyteMessage.
      const official = createAjv();
      if (definitions?.AirbyteMessage !== undefined) {
        const id = `official:${name}`;
        official.addSchema({ ...schema, $id: id }, id);
        airbyte.push({ name: `../shared/protocol/${name}`, validate: official.compile({ $ref: `${id}#/definitions/AirbyteMessage` }) });
      } else if (/airbyte/i.test(name) || /AirbyteMessage/.test(String(schema.title))) {
        airbyte.push({ name: `../shared/protocol/${name}`, validate: official.compile(schema) });
      } else if (/singer/i.test(name) || /singer/i.test(String(schema.title))) {
        singer.push({ name: `../shared/protocol/${name}`, validate: official.compile(schema) });
      }
    }
  }
  cached = { airbyte, singer };
  return cached;
}

function findJsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findJsonFiles(full));
    else if (entry.name.endsWith('.json')) out.push(full);
  }
  return out.sort();
}

function schemaProblems(message: unknown, validators: { name: string; validate: ValidateFunction }[]): string[] {
  const problems: string[] = [];
  for (const { name, validate } of validators) {
    if (validate(message)) continue;
    const detail = (validate.errors ?? [])
      .map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)
      .join('; ');
    problems.push(`${name}: ${detail}`);
  }
  return problems;
}

function fail(kind: string, invalid: string[], total: number): never {
  throw new Error(`${invalid.length} of ${total} ${kind} messages are invalid:\n${invalid.join('\n')}`);
}

function preview(message: unknown): string {
  const s = JSON.stringify(message);
  return s.length > 300 ? `${s.slice(0, 300)}...` : s;
}

export function assertValidAirbyteMessages(messages: Record<string, unknown>[]): void {
  const { airbyte } = loadValidators();
  const invalid: string[] = [];
  messages.forEach((message, i) => {
    const problems = schemaProblems(message, airbyte);
    if (problems.length > 0) invalid.push(`#${i} ${preview(message)}\n    ${problems.join('\n    ')}`);
  });
  if (invalid.length > 0) fail('Airbyte', invalid, messages.length);
}

export function assertValidSingerMessages(messages: Record<string, unknown>[]): void {
  const { singer } = loadValidators();
  const recordAjv = createAjv();
  const schemas = new Map<string, ValidateFunction>();
  const invalid: string[] = [];
  messages.forEach((message, i) => {
    const problems = schemaProblems(message, singer);
    const stream = typeof message.stream === 'string' ? message.stream : undefined;
    if (problems.length === 0 && message.type === 'SCHEMA' && stream !== undefined) {
      try {
        schemas.set(stream, recordAjv.compile(message.schema as object));
      } catch (e) {
        problems.push(`the stream schema does not compile: ${(e as Error).message}`);
      }
    }
    if (problems.length === 0 && message.type === 'RECORD' && stream !== undefined) {
      const validate = schemas.get(stream);
      if (validate === undefined) problems.push(`RECORD of stream "${stream}" before any SCHEMA of that stream`);
      else if (!validate(message.record)) {
        problems.push(
          `record does not match the SCHEMA of "${stream}": ${(validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`).join('; ')}`,
        );
      }
    }
    if (problems.length > 0) invalid.push(`#${i} ${preview(message)}\n    ${problems.join('\n    ')}`);
  });
  if (invalid.length > 0) fail('Singer', invalid, messages.length);
}
