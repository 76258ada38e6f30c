/**
 * One scheduler per sync, through the real CLIs: the jobs of several exports run on Addepar at the
 * same time within the firm's job slots, a broken export fails alone (Airbyte and Singer), and a
 * selected stream the source no longer offers is reported while the others are read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { singerLogLine } from '../helpers/singer-log.js';
import { airbyte, baseConfig, configuredCatalog, expectedViewRecords, Harness, ofType, peakActive, recordsOf, singer, TAP, withoutEntityId, type Json } from './harness.js';

const h = new Harness();
afterEach(() => h.close());

const JAN = { start: '2024-01-01', end: '2024-01-31' };
const EXPORTS = [
  { name: 'holdings_csv', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101, 102], output_type: 'CSV' },
  { name: 'holdings_json', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101, 102], output_type: 'JSON' },
  { name: 'sectors_tsv', view_id: 14, portfolio_type: 'ENTITY', portfolio_ids: [101, 102], output_type: 'TSV' },
];

function errors(messages: Json[]): Json[] {
  return ofType(messages, 'TRACE')
    .map((m) => (m.trace as Json).error as Json | undefined)
    .filter((e): e is Json => e !== undefined);
}

function statusesOf(messages: Json[], stream: string): string[] {
  return ofType(messages, 'TRACE')
    .map((m) => (m.trace as Json).stream_status as { stream_descriptor: { name: string }; status: string } | undefined)
    .filter((s): s is { stream_descriptor: { name: string }; status: string } => s !== undefined && s.stream_descriptor.name === stream)
    .map((s) => s.status);
}


describe('one job scheduler per sync', () => {
  it("runs the jobs of several exports side by side, never more than max_concurrent_jobs across them (Addepar's queue quota refuses none)", async () => {
    // Jobs run 2 min of sandbox time (1.2 s real at ×100); the firm's queue takes 3 at once.
    const sb = await h.sandbox({ progression: { pollsPerStage: 0, msPerStage: 20_000 }, queueQuota: 3 });
    const config = h.file('c.json', baseConfig(sb, { end_date: JAN.end, max_concurrent_jobs: 3, view_exports: EXPORTS }));
    const discover = await airbyte(['discover', '--config', config]);
    const catalog = h.file('cat.json', configuredCatalog(discover.messages, 'incremental', EXPORTS.map((e) => e.name)));
    const r = await airbyte(['read', '--config', config, '--catalog', catalog], 60_000);
    expect(r.code, r.stderr).toBe(0);
    expect(sb.jobs).toHaveLength(6);
    expect(sb.jobs.filter((j) => j.status === 'Rejected')).toEqual([]);
    const { peak, streamsAtPeak } = peakActive(sb);
    expect(peak).toBe(3);
    expect(streamsAtPeak).toBeGreaterThan(1);
    for (const e of EXPORTS) {
      const records = withoutEntityId(recordsOf(r.messages, e.name));
      expect(records).toEqual([...expectedViewRecords(e.view_id, 'ENTITY', 101, JAN), ...expectedViewRecords(e.view_id, 'ENTITY', 102, JAN)]);
      expect(statusesOf(r.messages, e.name)).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
    }
  });

  it('Airbyte: one broken export among three fails alone; the other two complete; exit 1 with an error naming it', async () => {
    const sb = await h.sandbox();
    const good = h.file('good.json', baseConfig(sb, { end_date: JAN.end, view_exports: EXPORTS }));
    const discover = await airbyte(['discover', '--config', good]);
    const catalog = h.file('cat.json', configuredCatalog(discover.messages, 'incremental', EXPORTS.map((e) => e.name)));
    // Since discover, the view behind holdings_json was deleted in Addepar.
    const broken = EXPORTS.map((e) => (e.name === 'holdings_json' ? { ...e, view_id: 4040 } : e));
    const config = h.file('broken.json', baseConfig(sb, { end_date: JAN.end, view_exports: broken }));

    // discover leaves the broken export out, with a warning, and lists the others.
    const rediscover = await airbyte(['discover', '--config', config]);
    const listed = (ofType(rediscover.messages, 'CATALOG')[0]!.catalog as { streams: Json[] }).streams.map((s) => s.name);
    expect(listed).toEqual(['holdings_csv', 'sectors_tsv', 'jobs']);
    expect(ofType(rediscover.messages, 'LOG').some((m) => String((m.log as Json).message).includes('"holdings_json" is left out of the catalog: View export "holdings_json": Addepar has no portfolio view 4040'))).toBe(true);

    const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
    expect(r.code).toBe(1);
    expect(statusesOf(r.messages, 'holdings_json')).toEqual(['STARTED', 'INCOMPLETE']);
    for (const name of ['holdings_csv', 'sectors_tsv']) expect(statusesOf(r.messages, name)).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
    expect(withoutEntityId(recordsOf(r.messages, 'sectors_tsv'))).toEqual([...expectedViewRecords(14, 'ENTITY', 101, JAN), ...expectedViewRecords(14, 'ENTITY', 102, JAN)]);
    const [own, final] = errors(r.messages);
    expect(own).toMatchObject({ failure_type: 'config_error', stream_descriptor: { name: 'holdings_json' } });
    expect(String(own!.message)).toContain('Addepar has no portfolio view 4040');
    expect(final).toMatchObject({ failure_type: 'config_error' });
    expect(final!.stream_descriptor).toBeUndefined();
    expect(String(final!.message)).toMatch(/^During the sync, the following streams did not sync successfully: holdings_json: View export "holdings_json"/);
  });

  it('Singer: one broken export among three fails alone; the others are read; exit 1 with the error on stderr', async () => {
    const sb = await h.sandbox();
    const broken = EXPORTS.map((e) => (e.name === 'holdings_json' ? { ...e, view_id: 4040 } : e));
    const config = h.file('broken.json', baseConfig(sb, { end_date: JAN.end, view_exports: broken }));
    const r = await singer(['--config', config]);
    expect(r.code).toBe(1);
    const streamsWithRecords = new Set(ofType(r.messages, 'RECORD').map((m) => m.stream));
    expect(streamsWithRecords).toEqual(new Set(['holdings_csv', 'sectors_tsv', 'jobs']));
    expect(r.stderr).toMatch(singerLogLine('ERROR', /(Stream "holdings_json" failed after 0 records: )?View export "holdings_json": Addepar has no portfolio view 4040 visible to this user \(check view_id\)\. \[config_error\]/));
    expect(r.stderr).toMatch(singerLogLine('ERROR', 'During the sync, the following streams did not sync successfully: holdings_json: '));
    // The bookmarks of the streams that completed are in the last STATE.
    const bookmarks = (ofType(r.messages, 'STATE').at(-1)!.value as { bookmarks: Json }).bookmarks;
    expect(Object.keys(bookmarks).sort()).toEqual(['holdings_csv', 'sectors_tsv']);
  });

  it('a selected stream the source no longer offers: INCOMPLETE with a warning (Singer: an ERROR line); the others are read', async () => {
    const sb = await h.sandbox();
    const config = h.file('c.json', baseConfig(sb, { end_date: JAN.end, view_exports: EXPORTS.slice(0, 1) }));
    // The catalog still selects an export renamed since it was discovered.
    const discover = await airbyte(['discover', '--config', h.file('old.json', baseConfig(sb, { end_date: JAN.end, view_exports: [{ ...EXPORTS[0]!, name: 'old_name' }, EXPORTS[0]] }))]);
    const catalog = h.file('cat.json', configuredCatalog(discover.messages, 'incremental', ['old_name', 'holdings_csv']));
    const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
    expect(r.code).toBe(0);
    expect(statusesOf(r.messages, 'old_name')).toEqual(['INCOMPLETE']);
    expect(ofType(r.messages, 'LOG').some((m) => (m.log as Json).level === 'WARN' && String((m.log as Json).message).includes('"old_name", which this source does not offer'))).toBe(true);
    expect(recordsOf(r.messages, 'holdings_csv').length).toBeGreaterThan(0);

    const singerCatalog = JSON.parse((await runCli(TAP, ['--config', h.file('old2.json', baseConfig(sb, { end_date: JAN.end, view_exports: [{ ...EXPORTS[0]!, name: 'old_name' }, EXPORTS[0]] })), '--discover'])).stdout) as { streams: Json[] };
    const t = await singer(['--config', config, '--catalog', h.file('scat.json', singerCatalog)]);
    expect(t.code).toBe(0);
    expect(t.stderr).toMatch(singerLogLine('ERROR', 'The catalog selects stream "old_name", which this source does not offer'));
    expect(ofType(t.messages, 'RECORD').some((m) => m.stream === 'holdings_csv')).toBe(true);
  });
});
