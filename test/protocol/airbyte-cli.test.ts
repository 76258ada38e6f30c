/**
 * The Airbyte front end end to end: the built fixture connector runs as a child process and
 * every stdout line is validated against the Airbyte protocol schema.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { distEntry, runCli, spawnCli, parseJsonLines, type CliResult } from '../helpers/cli.js';
import { runRaw } from './fixture-files.js';
import { assertValidAirbyteMessages } from '../helpers/protocol.js';
import {
  config,
  configuredCatalog,
  LIST_SECRET,
  ofType,
  records,
  SECRET,
  statuses,
  streamStates,
  TempDir,
  TOKEN_SECRET,
  traces,
} from './fixture-files.js';

const entry = distEntry('test/fixtures/source-fixture');
const tmp = new TempDir();
afterAll(() => tmp.remove());

async function airbyte(args: string[]): Promise<CliResult> {
  const result = await runCli(entry, args);
  assertValidAirbyteMessages(result.messages);
  return result;
}

function read(cfg: Record<string, unknown>, catalog: unknown, state?: unknown): Promise<CliResult> {
  const args = ['read', '--config', tmp.json(`c-${Math.random()}.json`, cfg), '--catalog', tmp.json(`k-${Math.random()}.json`, catalog)];
  if (state !== undefined) args.push('--state', tmp.json(`s-${Math.random()}.json`, state));
  return airbyte(args);
}

function expectNoSecret(result: CliResult, ...secrets: string[]): void {
  for (const s of [SECRET, ...secrets]) {
    expect(result.stdout).not.toContain(s);
    expect(result.stderr).not.toContain(s);
  }
}

describe('source-fixture spec / check / discover', () => {
  it('spec prints one SPEC with the connection specification', async () => {
    const r = await airbyte(['spec']);
    expect(r.code).toBe(0);
    expect(r.messages).toHaveLength(1);
    const spec = (r.messages[0].spec as { connectionSpecification: { properties: Record<string, { airbyte_secret?: boolean }> } })
      .connectionSpecification;
    expect(spec.properties.api_key.airbyte_secret).toBe(true);
    expect(Object.keys(spec.properties)).toEqual(expect.arrayContaining(['checkpoint_interval_records', 'on_cast_error']));
  });

  it('check succeeds with a good config', async () => {
    const r = await airbyte(['check', '--config', tmp.json('good.json', config({ log_secret: true }))]);
    expect(r.code).toBe(0);
    expect(ofType(r.messages, 'CONNECTION_STATUS')).toEqual([{ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } }]);
    expectNoSecret(r);
    expect(r.stdout).toContain('checking with key ****');
  });

  it('check reports a bad config as FAILED naming each field, exit 0, secret never printed', async () => {
    const r = await airbyte([
      'check',
      '--config',
      tmp.json('bad.json', { api_key: SECRET, start_date: '2024/01/01', record_count: -1, credentials: { auth_type: 'token', token: TOKEN_SECRET, extra: 1 }, fail_type: 'weird' }),
    ]);
    expect(r.code).toBe(0);
    const status = ofType(r.messages, 'CONNECTION_STATUS');
    expect(status).toHaveLength(1);
    const { status: s, message } = status[0].connectionStatus as { status: string; message: string };
    expect(s).toBe('FAILED');
    expect(message).toContain('config.start_date must match format "date"');
    expect(message).toContain('config.record_count must be >= 0');
    expect(message).toContain('config.fail_type must be one of');
    expectNoSecret(r, TOKEN_SECRET);
  });

  it('check reports a missing required field and an unreadable or invalid config file', async () => {
    const missing = await airbyte(['check', '--config', tmp.json('nokey.json', { record_count: 1 })]);
    expect((missing.messages.at(-1)?.connectionStatus as { message: string }).message).toContain('config.api_key is required');
    const nofile = await airbyte(['check', '--config', `${tmp.dir}/does-not-exist.json`]);
    expect(nofile.code).toBe(0);
    expect((nofile.messages.at(-1)?.connectionStatus as { message: string }).message).toMatch(/^Config file .*does-not-exist\.json not found$/);
    const notJson = await airbyte(['check', '--config', tmp.text('notjson.json', `{"api_key": "${SECRET}",`)]);
    expect((notJson.messages.at(-1)?.connectionStatus as { message: string }).message).toMatch(/notjson\.json is not valid JSON \(line 1, column \d+: the file ends before the JSON does\)$/);
    expectNoSecret(notJson);
  });

  it('check reports a failed connection test', async () => {
    const r = await airbyte(['check', '--config', tmp.json('fails.json', config({ check_fails: true }))]);
    expect(r.code).toBe(0);
    expect(r.messages.at(-1)?.connectionStatus).toEqual({ status: 'FAILED', message: 'The fixture API rejected the key' });
  });

  it('check: a config_error thrown by the source is FAILED (exit 0); a transient error is a TRACE (exit 1)', async () => {
    const cfgErr = await airbyte(['check', '--config', tmp.json('ce.json', config({ check_error: 'config_error' }))]);
    expect(cfgErr.code).toBe(0);
    expect(cfgErr.messages.at(-1)?.connectionStatus).toEqual({ status: 'FAILED', message: 'Key **** lacks the export permission' });
    expectNoSecret(cfgErr);
    const transient = await airbyte(['check', '--config', tmp.json('te.json', config({ check_error: 'transient_error' }))]);
    expect(transient.code).toBe(1);
    expect(traces(transient.messages, 'ERROR')[0].error).toMatchObject({
      failure_type: 'transient_error',
      message: 'The fixture API is unavailable (503)',
    });
  });

  it('discover prints the catalog', async () => {
    const r = await airbyte(['discover', '--config', tmp.json('d.json', config())]);
    expect(r.code).toBe(0);
    const catalog = r.messages[0].catalog as { streams: Record<string, unknown>[] };
    expect(catalog.streams.map((s) => s.name)).toEqual(['items', 'events']);
    expect(catalog.streams[1]).toMatchObject({
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['seq'],
      source_defined_primary_key: [['seq']],
    });
  });

  it('discover with a bad config emits TRACE config_error and exits 1', async () => {
    const r = await airbyte(['discover', '--config', tmp.json('d-bad.json', { api_key: SECRET, batch_size: 0 })]);
    expect(r.code).toBe(1);
    const [err] = traces(r.messages, 'ERROR');
    expect(err.error).toMatchObject({ failure_type: 'config_error' });
    expect((err.error as { message: string }).message).toContain('config.batch_size must be >= 1');
    expectNoSecret(r);
  });

  it('--help works on the program and on every command', async () => {
    for (const args of [['--help'], ['spec', '--help'], ['check', '--help'], ['discover', '--help'], ['read', '--help']]) {
      const r = await runRaw(entry, args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage:');
    }
  });
});

describe('source-fixture read', () => {
  it('full refresh: statuses, records, one final STATE per stream', async () => {
    const r = await read(config({ emit_estimate: true }), configuredCatalog([['items', 'full_refresh'], ['events', 'full_refresh']]));
    expect(r.code).toBe(0);
    // The streams are read together: each one's statuses in order, the two interleaved.
    const all = statuses(r.messages);
    for (const name of ['items', 'events']) expect(all.filter((x) => x.startsWith(`${name}:`))).toEqual([`${name}:STARTED`, `${name}:RUNNING`, `${name}:COMPLETE`]);
    expect(records(r.messages, 'items').map((d) => d.id)).toEqual([1, 2, 3, 4, 5]);
    expect(records(r.messages, 'events').map((d) => d.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(streamStates(r.messages, 'items')).toEqual([{ state: {}, recordCount: 5 }]);
    expect(streamStates(r.messages, 'events')).toEqual([{ state: { seq: 5 }, recordCount: 5 }]);
    expect(traces(r.messages, 'ESTIMATE').map((t) => t.estimate)).toEqual(
      expect.arrayContaining([
        { name: 'items', type: 'STREAM', row_estimate: 5 },
        { name: 'events', type: 'STREAM', row_estimate: 5 },
      ]),
    );
    // RUNNING comes before the first record of each stream.
    for (const name of ['items', 'events']) {
      const running = r.messages.findIndex((m) => (m.trace as { stream_status?: { status: string; stream_descriptor: { name: string } } } | undefined)?.stream_status?.status === 'RUNNING' && (m.trace as { stream_status: { stream_descriptor: { name: string } } }).stream_status.stream_descriptor.name === name);
      const firstRecord = r.messages.findIndex((m) => m.type === 'RECORD' && (m.record as { stream: string }).stream === name);
      expect(running).toBeGreaterThanOrEqual(0);
      expect(running).toBeLessThan(firstRecord);
    }
  });

  it('full refresh ignores previous state for a non-resumable stream', async () => {
    const r = await read(config(), configuredCatalog([['events', 'full_refresh']]), { events: { seq: 3 } });
    expect(records(r.messages, 'events').map((d) => d.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  const stateFormats: [string, unknown][] = [
    ['per-stream', [{ type: 'STREAM', stream: { stream_descriptor: { name: 'events' }, stream_state: { seq: 3 } } }]],
    ['GLOBAL', [{ type: 'GLOBAL', global: { shared_state: {}, stream_states: [{ stream_descriptor: { name: 'events' }, stream_state: { seq: 3 } }] } }]],
    ['legacy plain object', { events: { seq: 3 } }],
    ['legacy data envelope', { data: { events: { seq: 3 } } }],
    ['Singer bookmarks', { bookmarks: { events: { seq: 3 } } }],
  ];
  for (const [label, state] of stateFormats) {
    it(`incremental continues from the cursor in a ${label} state file`, async () => {
      const r = await read(config({ record_count: 6 }), configuredCatalog([['events', 'incremental']]), state);
      expect(r.code).toBe(0);
      expect(records(r.messages, 'events').map((d) => d.seq)).toEqual([4, 5, 6]);
      expect(streamStates(r.messages, 'events')).toEqual([{ state: { seq: 6 }, recordCount: 3 }]);
    });
  }

  it('a malformed state file is a config_error', async () => {
    const r = await read(config(), configuredCatalog([['events', 'incremental']]), [{ type: 'STREAM', stream: {} }]);
    expect(r.code).toBe(1);
    expect(traces(r.messages, 'ERROR')[0].error).toMatchObject({ failure_type: 'config_error' });
  });

  it('checkpoints every N records: STATE after exactly N, right recordCount, never before its records', async () => {
    const r = await read(config({ record_count: 10, checkpoint_interval_records: 3 }), configuredCatalog([['events', 'incremental']]));
    expect(streamStates(r.messages, 'events')).toEqual([
      { state: { seq: 3 }, recordCount: 3 },
      { state: { seq: 6 }, recordCount: 3 },
      { state: { seq: 9 }, recordCount: 3 },
      { state: { seq: 10 }, recordCount: 1 },
    ]);
    let emitted = 0;
    let sinceState = 0;
    for (const m of r.messages) {
      if (m.type === 'RECORD') {
        emitted++;
        sinceState++;
      }
      if (m.type === 'STATE') {
        const s = m.state as { stream: { stream_state: { seq: number } }; sourceStats: { recordCount: number } };
        expect(s.stream.stream_state.seq).toBe(emitted);
        expect(s.sourceStats.recordCount).toBe(sinceState);
        sinceState = 0;
      }
    }
  });

  it('a failing stream ends alone (TRACE ERROR with its descriptor, INCOMPLETE); the others complete; a last error names it; exit 1', async () => {
    const r = await read(
      config({ fail_stream: 'items', fail_at_record: 3, fail_type: 'config_error', log_secret: true }),
      configuredCatalog([['items', 'full_refresh'], ['events', 'incremental']]),
    );
    expect(r.code).toBe(1);
    const all = statuses(r.messages);
    expect(all.filter((x) => x.startsWith('items:'))).toEqual(['items:STARTED', 'items:RUNNING', 'items:INCOMPLETE']);
    expect(all.filter((x) => x.startsWith('events:'))).toEqual(['events:STARTED', 'events:RUNNING', 'events:COMPLETE']);
    expect(records(r.messages, 'items').map((d) => d.id)).toEqual([1, 2]);
    expect(records(r.messages, 'events').map((d) => d.seq)).toEqual([1, 2, 3, 4, 5]);
    const errors = traces(r.messages, 'ERROR');
    expect(errors).toHaveLength(2);
    // The sync's last error names every stream that did not sync.
    const final = errors[1].error as Record<string, unknown>;
    expect(final.failure_type).toBe('config_error');
    expect(final.stream_descriptor).toBeUndefined();
    expect(final.message).toBe('During the sync, the following streams did not sync successfully: items: fixture failure in items at record 3 (key ****)');
    const error = errors[0].error as Record<string, unknown>;
    expect(error).toMatchObject({
      failure_type: 'config_error',
      stream_descriptor: { name: 'items' },
      message: 'fixture failure in items at record 3 (key ****)',
      internal_message: 'internal detail with ****',
    });
    expect(String(error.stack_trace)).toContain('ConfigError');
    // The failed stream wrote no state; the other one its own.
    expect(streamStates(r.messages, 'items')).toEqual([]);
    expect(streamStates(r.messages, 'events').length).toBeGreaterThan(0);
    expectNoSecret(r);
  });

  it('transient and unexpected errors keep their classification', async () => {
    const transient = await read(config({ fail_stream: 'events', fail_at_record: 2, fail_type: 'transient_error' }), configuredCatalog([['events', 'incremental']]));
    expect(transient.code).toBe(1);
    expect(traces(transient.messages, 'ERROR')[0].error).toMatchObject({ failure_type: 'transient_error' });
    const unexpected = await read(config({ fail_stream: 'events', fail_at_record: 2, fail_type: 'unexpected' }), configuredCatalog([['events', 'incremental']]));
    expect(unexpected.code).toBe(1);
    const err = traces(unexpected.messages, 'ERROR')[0].error as Record<string, string>;
    expect(err.failure_type).toBe('system_error');
    expect(err.message).toContain('An unexpected error occurred while reading stream "events"');
    expect(err.internal_message).toContain('TypeError');
  });

  it('a catalog stream the source does not offer is INCOMPLETE with a warning; the others are read', async () => {
    const r = await read(config(), configuredCatalog([['events', 'incremental'], ['nope' as 'events', 'full_refresh']]));
    expect(r.code).toBe(0);
    expect(records(r.messages, 'events')).toHaveLength(5);
    expect(statuses(r.messages)).toContain('nope:INCOMPLETE');
    const warning = ofType(r.messages, 'LOG').find((m) => (m.log as { level: string; message: string }).message.includes('"nope"'));
    expect(warning?.log).toMatchObject({ level: 'WARN' });
    expect(traces(r.messages, 'ERROR')).toHaveLength(0);
  });

  it('an unsupported sync mode and a catalog that is not a catalog are config errors', async () => {
    const r = await read(config(), configuredCatalog([['items', 'incremental']]));
    expect(r.code).toBe(1);
    expect(traces(r.messages, 'ERROR')[0].error).toMatchObject({ failure_type: 'config_error' });
    const notCatalog = await read(config(), { stream: [] });
    expect((traces(notCatalog.messages, 'ERROR')[0].error as { message: string }).message).toContain('ConfiguredAirbyteCatalog');
  });

  it('masks every secret (nested, oneOf, arrays) in LOG, TRACE and stderr; console output becomes LOG', async () => {
    const r = await read(
      config({
        log_secret: true,
        print_to_console: true,
        credentials: { auth_type: 'token', token: TOKEN_SECRET },
        extra_tokens: [LIST_SECRET],
        fail_stream: 'events',
        fail_at_record: 2,
        fail_type: 'unexpected',
        api_key: `${SECRET}${TOKEN_SECRET}`,
      }),
      configuredCatalog([['events', 'incremental']]),
    );
    expect(r.code).toBe(1);
    expectNoSecret(r, TOKEN_SECRET, LIST_SECRET);
    const logs = ofType(r.messages, 'LOG').map((m) => (m.log as { message: string }).message);
    expect(logs).toContain('console output from events');
    expect(logs).toContain('stream events authenticating with ****');
  });

  it('an error thrown outside the sync chain still ends in a masked TRACE system_error and exit 1', async () => {
    const r = await read(config({ crash_async: true }), configuredCatalog([['events', 'incremental']]));
    expect(r.code).toBe(1);
    const err = traces(r.messages, 'ERROR')[0].error as Record<string, string>;
    expect(err.failure_type).toBe('system_error');
    expect(err.message).toContain('stray callback failed with key ****');
    expect(err.stream_descriptor).toEqual({ name: 'events' });
    expect(statuses(r.messages)).toEqual(['events:STARTED', 'events:INCOMPLETE']);
    expectNoSecret(r);
  });

  it('SIGTERM: the stream is cancelled, INCOMPLETE + transient_error, non-zero exit after flushing', async () => {
    const cfgFile = tmp.json('hang.json', config({ record_count: 10, hang_after_record: 3 }));
    const catFile = tmp.json('hang-cat.json', configuredCatalog([['events', 'incremental']]));
    const child = spawnCli(entry, ['read', '--config', cfgFile, '--catalog', catFile]);
    let stdout = '';
    let signalled = false;
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      if (!signalled && (stdout.match(/"type":"RECORD"/g) ?? []).length === 3) {
        signalled = true;
        child.kill('SIGTERM');
      }
    });
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const messages = parseJsonLines(stdout);
    assertValidAirbyteMessages(messages);
    expect(code).toBe(143);
    expect(records(messages).map((d) => d.seq)).toEqual([1, 2, 3]);
    expect(statuses(messages)).toEqual(['events:STARTED', 'events:RUNNING', 'events:INCOMPLETE']);
    expect(traces(messages, 'ERROR')[0].error).toMatchObject({ failure_type: 'transient_error', stream_descriptor: { name: 'events' } });
    expect(traces(messages, 'ERROR').at(-1)!.error).toMatchObject({ failure_type: 'transient_error' });
    const logs = ofType(messages, 'LOG').map((m) => (m.log as { message: string }).message);
    expect(logs).toContain('stream events: cancelling the fixture job after interruption');
  });
});
