/**
 * The Singer front end end to end (Meltano SDK conventions): the built tap-fixture runs as a
 * child process; every stdout line is validated as a Singer message, in sequence.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { distEntry, parseJsonLines, runCli, spawnCli, type CliResult } from '../helpers/cli.js';
import { assertValidSingerMessages } from '../helpers/protocol.js';
import { config, ofType, runRaw, SECRET, TempDir } from './fixture-files.js';
import { linesNotInSingerLayout, singerLogLine } from '../helpers/singer-log.js';

const entry = distEntry('test/fixtures/tap-fixture');
const tmp = new TempDir();
afterAll(() => tmp.remove());

type Msg = Record<string, unknown>;

async function tap(args: string[], env?: Record<string, string>): Promise<CliResult> {
  const result = await runCli(entry, args, { env });
  assertValidSingerMessages(result.messages);
  return result;
}

/** stderr lines at ERROR level, whatever the log line layout around the level. */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /\bERROR\b/.test(l));
}

/** Runs the tap until it has written `records` records, then sends `signal` (Ctrl-C is SIGINT). */
async function interruptAfter(args: string[], records: number, signal: NodeJS.Signals): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(entry, args);
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString('utf8');
    if (!signalled && (stdout.match(/"type":\s*"RECORD"/g) ?? []).length >= records) {
      signalled = true;
      child.kill(signal);
    }
  });
  child.stdin.end();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  return { code, stdout, stderr };
}

function recordsOf(messages: Msg[], stream: string): Record<string, unknown>[] {
  return messages.filter((m) => m.type === 'RECORD' && m.stream === stream).map((m) => m.record as Record<string, unknown>);
}

function lastBookmarks(messages: Msg[]): Record<string, unknown> {
  const states = ofType(messages, 'STATE');
  return (states.at(-1)?.value as { bookmarks: Record<string, unknown> }).bookmarks;
}

async function discover(): Promise<{ streams: Record<string, unknown>[] }> {
  const r = await runRaw(entry, ['--config', tmp.json(`d-${Math.random()}.json`, config()), '--discover']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { streams: Record<string, unknown>[] };
}

describe('tap-fixture --about', () => {
  it('plain text lists name, version, capabilities and settings (secret marked)', async () => {
    const r = await runRaw(entry, ['--about']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Name: tap-fixture');
    expect(r.stdout).toContain('Version: 0.0.1');
    expect(r.stdout).toMatch(/Capabilities: .*discover/);
    expect(r.stdout).toMatch(/api_key \(string, required, secret\)/);
  });

  it('--format json is machine-readable', async () => {
    const r = await runRaw(entry, ['--about', '--format', 'json']);
    const about = JSON.parse(r.stdout) as { name: string; version: string; capabilities: string[]; settings: { properties: Record<string, unknown> } };
    expect(about.name).toBe('tap-fixture');
    expect(about.capabilities).toEqual(['about', 'catalog', 'discover', 'state', 'test']);
    expect(Object.keys(about.settings.properties)).toEqual(expect.arrayContaining(['api_key', 'checkpoint_interval_records']));
    const eq = await runRaw(entry, ['--about', '--format=json']);
    expect(JSON.parse(eq.stdout)).toEqual(about);
  });

  it('--format markdown renders a settings table', async () => {
    const r = await runRaw(entry, ['--about', '--format', 'markdown']);
    expect(r.stdout).toContain('# `tap-fixture`');
    expect(r.stdout).toContain('| api_key | True |');
  });

  it('--help prints usage', async () => {
    const r = await runRaw(entry, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--discover');
  });
});

describe('tap-fixture --discover', () => {
  it('prints a catalog with metadata breadcrumbs', async () => {
    const catalog = await discover();
    const events = catalog.streams.find((s) => s.tap_stream_id === 'events');
    expect(events).toMatchObject({
      stream: 'events',
      key_properties: ['seq'],
      replication_key: 'seq',
      replication_method: 'INCREMENTAL',
    });
    const md = events?.metadata as { breadcrumb: string[]; metadata: Record<string, unknown> }[];
    expect(md[0].breadcrumb).toEqual([]);
    expect(md[0].metadata).toMatchObject({ selected: true, inclusion: 'available', 'valid-replication-keys': ['seq'] });
    expect(md.find((m) => m.breadcrumb[1] === 'seq')?.metadata.inclusion).toBe('automatic');
    expect(md.find((m) => m.breadcrumb[1] === 'payload')?.metadata.inclusion).toBe('available');
  });
});

describe('tap-fixture sync', () => {
  it('syncs every stream without a catalog: SCHEMA first, RECORD with time_extracted, STATE bookmarks', async () => {
    const r = await tap(['--config', tmp.json('all.json', config({ record_count: 3 }))]);
    expect(r.code).toBe(0);
    expect(r.messages[0]).toMatchObject({ type: 'SCHEMA', stream: 'items', key_properties: ['id'] });
    expect(recordsOf(r.messages, 'items').map((x) => x.id)).toEqual([1, 2, 3]);
    expect(recordsOf(r.messages, 'events').map((x) => x.seq)).toEqual([1, 2, 3]);
    const rec = ofType(r.messages, 'RECORD')[0];
    expect(Date.parse(String(rec.time_extracted))).not.toBeNaN();
    expect(lastBookmarks(r.messages)).toEqual({ events: { seq: 3 } });
    // Every stderr line in the Meltano SDK layout: UTC time | level | tap name | message.
    expect(r.stderr).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} \| INFO     \| tap-fixture {19} \| Reading stream "items"/m);
    expect(linesNotInSingerLayout(r.stderr)).toEqual([]);
  });

  it('respects the catalog: one stream selected, one property deselected, key property kept', async () => {
    const catalog = await discover();
    for (const entry of catalog.streams) {
      const md = entry.metadata as { breadcrumb: string[]; metadata: Record<string, unknown> }[];
      if (entry.tap_stream_id === 'items') md[0].metadata.selected = false;
      for (const m of md) if (m.breadcrumb[1] === 'payload' || m.breadcrumb[1] === 'seq') m.metadata.selected = false;
    }
    const r = await tap(['--config', tmp.json('sel.json', config({ record_count: 4 })), '--catalog', tmp.json('cat.json', catalog)]);
    expect(r.code).toBe(0);
    expect(r.messages.some((m) => m.stream === 'items')).toBe(false);
    const schema = ofType(r.messages, 'SCHEMA')[0].schema as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(['seq', 'kind']);
    expect(recordsOf(r.messages, 'events')).toEqual([
      { seq: 1, kind: 'odd' },
      { seq: 2, kind: 'even' },
      { seq: 3, kind: 'odd' },
      { seq: 4, kind: 'even' },
    ]);
    // The legacy --properties flag reads the same file.
    const legacy = await tap(['--config', tmp.json('sel2.json', config({ record_count: 4 })), '--properties', tmp.json('cat2.json', catalog)]);
    expect(legacy.messages.map((m) => m.type === 'RECORD' ? m.record : m.type)).toEqual(r.messages.map((m) => m.type === 'RECORD' ? m.record : m.type));
  });

  it('continues from state bookmarks and keeps bookmarks of streams it did not read', async () => {
    const catalog = await discover();
    for (const entry of catalog.streams) {
      if (entry.tap_stream_id === 'items') (entry.metadata as { metadata: Record<string, unknown> }[])[0].metadata.selected = false;
    }
    const r = await tap([
      '--config', tmp.json('st.json', config({ record_count: 9, checkpoint_interval_records: 2 })),
      '--catalog', tmp.json('st-cat.json', catalog),
      '--state', tmp.json('state.json', { bookmarks: { events: { seq: 5 }, other_stream: { cursor: 'x' } } }),
    ]);
    expect(r.code).toBe(0);
    expect(recordsOf(r.messages, 'events').map((x) => x.seq)).toEqual([6, 7, 8, 9]);
    const states = ofType(r.messages, 'STATE').map((m) => (m.value as { bookmarks: Record<string, { seq?: number }> }).bookmarks);
    expect(states.map((b) => b.events.seq)).toEqual([7, 9, 9]);
    expect(lastBookmarks(r.messages)).toEqual({ events: { seq: 9 }, other_stream: { cursor: 'x' } });
    // Meltano's wrapped state works too.
    const wrapped = await tap([
      '--config', tmp.json('st3.json', config({ record_count: 7 })),
      '--catalog', tmp.json('st3-cat.json', catalog),
      '--state', tmp.json('state3.json', { singer_state: { bookmarks: { events: { seq: 6 } } } }),
    ]);
    expect(recordsOf(wrapped.messages, 'events').map((x) => x.seq)).toEqual([7]);
  });

  it('merges repeated --config files (later wins) and reads --config ENV', async () => {
    const r = await tap(['--config', tmp.json('a.json', config({ record_count: 7 })), '--config', tmp.json('b.json', { record_count: 1 })]);
    expect(recordsOf(r.messages, 'items')).toHaveLength(1);
    const env = await tap(['--config', 'ENV'], { TAP_FIXTURE_API_KEY: SECRET, TAP_FIXTURE_RECORD_COUNT: '2', TAP_FIXTURE_LOG_SECRET: 'true' });
    expect(env.code).toBe(0);
    expect(recordsOf(env.messages, 'items')).toHaveLength(2);
    expect(env.stderr).toContain('stream items authenticating with ****');
    expect(env.stderr).not.toContain(SECRET);
  });

  it('rejects a bad config on stderr naming the field, exit 1, no secret', async () => {
    const r = await tap(['--config', tmp.json('bad.json', { api_key: SECRET, start_date: 'soon' })]);
    expect(r.code).toBe(1);
    expect(r.messages).toHaveLength(0);
    expect(r.stderr).toContain('config.start_date must match format "date"');
    expect(r.stderr).not.toContain(SECRET);
    const none = await tap([]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('--config is required');
  });

  it('a failing stream ends alone: the others are read, exit 1, a masked error naming it on stderr', async () => {
    const r = await tap(['--config', tmp.json('fail.json', config({ fail_stream: 'items', fail_at_record: 2, fail_type: 'transient_error' }))]);
    expect(r.code).toBe(1);
    expect(recordsOf(r.messages, 'items')).toHaveLength(1);
    expect(recordsOf(r.messages, 'events')).toHaveLength(5);
    // Each error is said once: the stream's failure (with where it stopped), then the sync's summary.
    expect(errorLines(r.stderr)).toEqual([
      expect.stringMatching(/Stream "items" failed after 1 records: fixture failure in items at record 2 \(key \*\*\*\*\) \[transient_error\]$/),
      expect.stringMatching(/During the sync, the following streams did not sync successfully: items: fixture failure in items at record 2 \(key \*\*\*\*\) \[transient_error\]$/),
    ]);
    expect(r.stderr).not.toContain(SECRET);
  });

  it('a selected stream the tap does not offer: an ERROR line, the others are read', async () => {
    const catalog = await discover();
    catalog.streams.push({ tap_stream_id: 'renamed_export', stream: 'renamed_export', schema: {}, metadata: [{ breadcrumb: [], metadata: { selected: true } }] });
    const r = await tap(['--config', tmp.json('u.json', config()), '--catalog', tmp.json('u-cat.json', catalog)]);
    expect(r.code).toBe(0);
    expect(recordsOf(r.messages, 'events')).toHaveLength(5);
    expect(r.stderr).toMatch(singerLogLine('ERROR', 'The catalog selects stream "renamed_export", which this source does not offer'));
  });

  it('Ctrl-C (SIGINT) prints the interruption once, as one ERROR line, with no stack trace unless --debug', async () => {
    const args = ['--config', tmp.json('hang.json', config({ record_count: 10, hang_after_record: 3 }))];
    const r = await interruptAfter(args, 3, 'SIGINT');
    expect(r.code).toBe(130);
    assertValidSingerMessages(parseJsonLines(r.stdout));
    expect(errorLines(r.stderr)).toEqual([expect.stringMatching(/The sync was interrupted by SIGINT before it finished; the next sync resumes from the last state\. \[transient_error\]$/)]);
    expect(r.stderr).not.toMatch(/DEBUG|^\s+at /m);
    expect(r.stderr).toMatch(/Stream "\w+" stopped after \d+ records/);

    const debug = await interruptAfter([...args, '--debug'], 3, 'SIGINT');
    expect(debug.code).toBe(130);
    expect(errorLines(debug.stderr)).toHaveLength(1);
    expect(debug.stderr).toMatch(/DEBUG[\s\S]*InterruptedError[\s\S]*^\s+at /m);
  });

  it('--test checks the connection', async () => {
    const ok = await runRaw(entry, ['--config', tmp.json('t.json', config()), '--test']);
    expect(ok.code).toBe(0);
    const bad = await runRaw(entry, ['--config', tmp.json('t2.json', config({ check_fails: true })), '--test']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Connection test failed: The fixture API rejected the key');
    expect(parseJsonLines(bad.stdout)).toEqual([]);
  });
});
