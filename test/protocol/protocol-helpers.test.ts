/** The assert helpers must catch real protocol mistakes, or the CLI tests prove nothing. */
import { describe, expect, it } from 'vitest';
import { assertValidAirbyteMessages, assertValidSingerMessages } from '../helpers/protocol.js';

const now = 1_700_000_000_000;
const record = { type: 'RECORD', record: { stream: 's', data: { a: 1 }, emitted_at: now } };
const streamState = {
  type: 'STATE',
  state: { type: 'STREAM', stream: { stream_descriptor: { name: 's' }, stream_state: { c: 1 } }, sourceStats: { recordCount: 1 } },
};

describe('assertValidAirbyteMessages', () => {
  it('accepts every message type jobtap emits', () => {
    expect(() =>
      assertValidAirbyteMessages([
        { type: 'SPEC', spec: { documentationUrl: 'https://example.com/docs', connectionSpecification: { type: 'object' } } },
        { type: 'CONNECTION_STATUS', connectionStatus: { status: 'FAILED', message: 'x' } },
        { type: 'CATALOG', catalog: { streams: [{ name: 's', json_schema: {}, supported_sync_modes: ['full_refresh'] }] } },
        record,
        streamState,
        { type: 'STATE', state: { type: 'GLOBAL', global: { shared_state: {}, stream_states: [{ stream_descriptor: { name: 's' } }] } } },
        { type: 'STATE', state: { type: 'LEGACY', data: { s: {} } } },
        { type: 'LOG', log: { level: 'WARN', message: 'm' } },
        { type: 'TRACE', trace: { type: 'ERROR', emitted_at: now, error: { message: 'm', failure_type: 'config_error' } } },
        { type: 'TRACE', trace: { type: 'ESTIMATE', emitted_at: now, estimate: { name: 's', type: 'STREAM', row_estimate: 3 } } },
        { type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: now, stream_status: { stream_descriptor: { name: 's' }, status: 'RUNNING' } } },
        { type: 'TRACE', trace: { type: 'ANALYTICS', emitted_at: now, analytics: { type: 'x', value: '1' } } },
        { type: 'CONTROL', control: { type: 'CONNECTOR_CONFIG', emitted_at: now, connectorConfig: { config: {} } } },
      ]),
    ).not.toThrow();
  });

  const bad: [string, Record<string, unknown>][] = [
    ['record without emitted_at', { type: 'RECORD', record: { stream: 's', data: {} } }],
    ['emitted_at as a string', { type: 'RECORD', record: { stream: 's', data: {}, emitted_at: String(now) } }],
    ['payload of another type', { type: 'RECORD', state: streamState.state }],
    ['unknown message type', { type: 'RECORDS', record: record.record }],
    ['unknown failure_type', { type: 'TRACE', trace: { type: 'ERROR', emitted_at: now, error: { message: 'm', failure_type: 'oops' } } }],
    ['trace without emitted_at', { type: 'TRACE', trace: { type: 'ERROR', error: { message: 'm' } } }],
    ['STREAM state without stream', { type: 'STATE', state: { type: 'STREAM', data: {} } }],
    ['negative recordCount', { type: 'STATE', state: { ...streamState.state, sourceStats: { recordCount: -1 } } }],
    ['bad stream status', { type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: now, stream_status: { stream_descriptor: { name: 's' }, status: 'DONE' } } }],
    ['bad log level', { type: 'LOG', log: { level: 'NOTICE', message: 'm' } }],
    ['connection status without status', { type: 'CONNECTION_STATUS', connectionStatus: { message: 'm' } }],
  ];
  for (const [label, message] of bad) {
    it(`rejects ${label}`, () => {
      expect(() => assertValidAirbyteMessages([record, message])).toThrow(/1 of 2 Airbyte messages are invalid:\n#1 /);
    });
  }
});

describe('assertValidSingerMessages', () => {
  const schema = { type: 'SCHEMA', stream: 's', schema: { type: 'object', properties: { id: { type: 'integer' } } }, key_properties: ['id'] };
  const rec = { type: 'RECORD', stream: 's', record: { id: 1 }, time_extracted: '2024-01-01T00:00:00.000Z' };

  it('accepts SCHEMA, RECORD and STATE in order', () => {
    expect(() => assertValidSingerMessages([schema, rec, { type: 'STATE', value: { bookmarks: { s: { id: 1 } } } }])).not.toThrow();
  });

  it('rejects a RECORD before its SCHEMA', () => {
    expect(() => assertValidSingerMessages([rec, schema])).toThrow(/before any SCHEMA/);
  });

  it('rejects a record that does not match its schema', () => {
    expect(() => assertValidSingerMessages([schema, { ...rec, record: { id: 'one' } }])).toThrow(/does not match the SCHEMA/);
  });

  it('rejects malformed messages', () => {
    expect(() => assertValidSingerMessages([{ type: 'SCHEMA', stream: 's', schema: {} }])).toThrow(/key_properties/);
    expect(() => assertValidSingerMessages([schema, { ...rec, time_extracted: 'yesterday' }])).toThrow(/date-time/);
    expect(() => assertValidSingerMessages([{ type: 'STATE', value: { bookmarks: { s: 3 } } }])).toThrow(/invalid/);
    expect(() => assertValidSingerMessages([{ type: 'STATE' }])).toThrow(/value/);
  });
});
