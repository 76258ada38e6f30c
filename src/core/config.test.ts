import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { commonConfigProperties } from './common-spec.js';
import { assertValidConfig, readJsonFile, validateConfig } from './config.js';
import { ConfigError } from './errors.js';
import type { JsonSchema } from './json-schema.js';

const schema: JsonSchema = {
  type: 'object',
  required: ['api_key', 'start_date'],
  properties: {
    api_key: { type: 'string', airbyte_secret: true, pattern: '^[a-z]+$' },
    start_date: { type: 'string', format: 'date' },
    'odd key': { type: 'integer' },
    nested: { type: 'object', properties: { ids: { type: 'array', items: { type: 'integer' } } } },
    ...commonConfigProperties,
  },
};

describe('validateConfig', () => {
  it('fills defaults from the schema', () => {
    const config: Record<string, unknown> = { api_key: 'abc', start_date: '2024-01-01' };
    expect(validateConfig(schema, config)).toEqual({ ok: true, errors: [] });
    expect(config.checkpoint_interval_records).toBe(10000);
    expect(config.on_cast_error).toBe('fail');
  });

  it('names every bad field and what was expected', () => {
    const result = validateConfig(schema, {
      start_date: '01/02/2024',
      'odd key': 'x',
      nested: { ids: [1, 'two'] },
      checkpoint_interval_records: 0,
      on_cast_error: 'skip',
    });
    expect(result.ok).toBe(false);
    expect(result.errors).toEqual(
      expect.arrayContaining([
        'config.api_key is required',
        'config.start_date must match format "date"',
        'config["odd key"] must be integer',
        'config.nested.ids[1] must be integer',
        'config.checkpoint_interval_records must be >= 1',
        'config.on_cast_error must be one of "fail", "null"',
      ]),
    );
  });

  it('never echoes the value of a field, secret or not', () => {
    const result = validateConfig(schema, { api_key: 'SECRET-VALUE-1', start_date: 'not-a-date-xyz' });
    const text = result.errors.join('\n');
    expect(text).toContain('config.api_key must match pattern');
    expect(text).not.toContain('SECRET-VALUE-1');
    expect(text).not.toContain('not-a-date-xyz');
  });

  it('assertValidConfig throws a ConfigError listing the problems', () => {
    expect(() => assertValidConfig(schema, { api_key: 'abc' })).toThrow(ConfigError);
    expect(() => assertValidConfig(schema, { api_key: 'abc' })).toThrow(/config\.start_date is required/);
    expect(() => assertValidConfig(schema, [])).toThrow(/must be a JSON object/);
  });
});

describe('readJsonFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'jobtap-config-'));

  it('names the file when it cannot be read', async () => {
    const missing = path.join(dir, 'missing.json');
    await expect(readJsonFile(missing, 'config file')).rejects.toThrow(`Config file ${missing} not found`);
    const err = (await readJsonFile(missing, 'config file').catch((e: unknown) => e)) as Error;
    expect(err.message).not.toContain('ENOENT');
    await expect(readJsonFile('no-such-config.json', 'config file')).rejects.toThrow(`Config file no-such-config.json not found (looked in ${process.cwd()})`);
    await expect(readJsonFile(dir, 'state file')).rejects.toThrow(`State file ${dir} is a directory, not a file`);
  });

  it('names the file when it is not JSON, without quoting its content', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"api_key": "hunter2-secret", oops}');
    const err = await readJsonFile(bad, 'config file').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`Config file ${bad} is not valid JSON (line 1, column 31)`);
    expect(JSON.stringify({ m: (err as ConfigError).message, i: (err as ConfigError).internalMessage })).not.toContain('hunter2');
  });

  it('names line and column on later lines, and an unexpected end of the file', async () => {
    const bad = path.join(dir, 'multi.json');
    writeFileSync(bad, '{\n  "base_url": "x",\n  "firm_id": 1\n  "start_date": "2024-01-01"\n}\n');
    await expect(readJsonFile(bad, 'config file')).rejects.toThrow(`Config file ${bad} is not valid JSON (line 4, column 3)`);
    const cut = path.join(dir, 'cut.json');
    writeFileSync(cut, '{\n  "base_url": "x",\n');
    await expect(readJsonFile(cut, 'config file')).rejects.toThrow(/is not valid JSON \(line 3, column 1: the file ends before the JSON does\)$/);
  });
});
