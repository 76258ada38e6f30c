import { describe, expect, it } from 'vitest';
import type { JsonSchema } from './json-schema.js';
import { collectSecrets, SECRET_MASK, SecretMasker } from './secrets.js';

const spec: JsonSchema = {
  type: 'object',
  properties: {
    api_key: { type: 'string', airbyte_secret: true },
    name: { type: 'string' },
    port: { type: 'integer', airbyte_secret: true },
    credentials: {
      type: 'object',
      oneOf: [
        { properties: { method: { const: 'oauth' }, refresh_token: { type: 'string', airbyte_secret: true } } },
        { properties: { method: { const: 'basic' }, password: { type: 'string', airbyte_secret: true } } },
      ],
    },
    tokens: { type: 'array', items: { type: 'string', airbyte_secret: true } },
    accounts: { type: 'array', items: { type: 'object', properties: { secret: { type: 'string', airbyte_secret: true } } } },
    headers: { type: 'object', additionalProperties: { type: 'string', airbyte_secret: true } },
    service_account: { type: 'object', airbyte_secret: true },
  },
};

describe('collectSecrets', () => {
  it('finds secrets at any depth: nested, oneOf branches, arrays, additionalProperties, whole objects', () => {
    const config = {
      api_key: 'k-123',
      name: 'visible',
      port: 5432,
      credentials: { method: 'basic', password: 'pw-456' },
      tokens: ['t-1', 't-2'],
      accounts: [{ secret: 'acct-secret' }],
      headers: { 'X-Auth': 'hdr-secret' },
      service_account: { private_key: 'pk-789', email: 'svc@example.com' },
    };
    expect(new Set(collectSecrets(spec, config))).toEqual(
      new Set(['k-123', '5432', 'pw-456', 't-1', 't-2', 'acct-secret', 'hdr-secret', 'pk-789', 'svc@example.com']),
    );
  });

  it('returns nothing for a config without secret values', () => {
    expect(collectSecrets(spec, { name: 'x' })).toEqual([]);
    expect(collectSecrets(spec, null)).toEqual([]);
  });
});

describe('SecretMasker', () => {
  it('masks raw, JSON-escaped and URL-encoded forms', () => {
    const secret = 'p@ss "w/rd"&=';
    const m = new SecretMasker([secret]);
    expect(m.mask(`raw ${secret} end`)).toBe(`raw ${SECRET_MASK} end`);
    expect(m.mask(JSON.stringify({ k: secret }))).toBe(`{"k":"${SECRET_MASK}"}`);
    expect(m.mask(`https://h/x?key=${encodeURIComponent(secret)}`)).toBe(`https://h/x?key=${SECRET_MASK}`);
    expect(m.mask(JSON.stringify(JSON.stringify({ k: secret })))).not.toContain('w/rd');
  });

  it('masks the longest secret first so overlapping secrets leave nothing behind', () => {
    const m = new SecretMasker(['abc', 'abcdef']);
    expect(m.mask('xx abcdef yy abc')).toBe(`xx ${SECRET_MASK} yy ${SECRET_MASK}`);
  });

  it('treats regex metacharacters literally and is reusable', () => {
    const m = new SecretMasker(['a.b*c']);
    expect(m.mask('aXbbc a.b*c')).toBe(`aXbbc ${SECRET_MASK}`);
    expect(m.mask('a.b*c a.b*c')).toBe(`${SECRET_MASK} ${SECRET_MASK}`);
  });

  it('is inactive without secrets', () => {
    const m = new SecretMasker([]);
    expect(m.active).toBe(false);
    expect(m.mask('anything')).toBe('anything');
  });
});
