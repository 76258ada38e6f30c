import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { meltanoKind, meltanoSettings, toYaml } from './meltano.js';

describe('meltanoKind', () => {
  it('maps JSON Schema types to Meltano setting kinds', () => {
    expect(meltanoKind({ type: 'string' })).toBe('string');
    expect(meltanoKind({ type: 'string', format: 'date' })).toBe('date_iso8601');
    expect(meltanoKind({ type: 'string', enum: ['a', 'b'] })).toBe('options');
    expect(meltanoKind({ type: ['null', 'integer'] })).toBe('integer');
    expect(meltanoKind({ type: 'number' })).toBe('decimal');
    expect(meltanoKind({ type: 'boolean' })).toBe('boolean');
    expect(meltanoKind({ type: 'array', items: { type: 'object' } })).toBe('array');
    expect(meltanoKind({ type: 'object' })).toBe('object');
  });
});

describe('meltanoSettings', () => {
  it('marks airbyte_secret fields sensitive, keeps defaults and enum options, in spec order', () => {
    const settings = meltanoSettings({
      type: 'object',
      properties: {
        token: { type: 'string', airbyte_secret: true, order: 1 },
        mode: { type: 'string', enum: ['fast', 'safe'], default: 'safe', order: 0 },
      },
    });
    expect(settings).toEqual([
      { name: 'mode', kind: 'options', value: 'safe', options: [{ label: 'fast', value: 'fast' }, { label: 'safe', value: 'safe' }] },
      { name: 'token', kind: 'string', sensitive: true },
    ]);
  });
});

describe('toYaml', () => {
  it('emits YAML that a real parser reads back to the same data', () => {
    const data = {
      version: 1,
      empty: [],
      nothing: {},
      plugins: {
        extractors: [
          { name: 'tap-x', flags: [true, false], n: 1.5, nul: null, tricky: ['yes', 'no', '1.0', 'a: b', '- x', '#c', " lead", 'trail ', 'q"uote', "it's", 'ünï', ''] },
          { nested: [{ a: [1, 2], b: { c: 'd' } }] },
        ],
      },
    };
    expect(parse(toYaml(data))).toEqual(data);
  });
});
