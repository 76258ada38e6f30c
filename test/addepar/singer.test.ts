/**
 * tap-addepar end to end through the built CLI: about, discover, read with a selecting catalog,
 * and an incremental second run from the emitted bookmarks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { baseConfig, expectedViewRecords, Harness, ofType, singer, TAP, withoutEntityId, type Json } from './harness.js';

const h = new Harness();
afterEach(() => h.close());

function singerRecords(messages: Json[], stream: string): Json[] {
  return ofType(messages, 'RECORD')
    .filter((m) => m.stream === stream)
    .map((m) => m.record as Json);
}

/** The discovered catalog with only `names` selected. */
function select(catalog: { streams: Json[] }, names: string[]): { streams: Json[] } {
  return {
    streams: catalog.streams.map((s) => ({
      ...s,
      metadata: (s.metadata as { breadcrumb: string[]; metadata: Json }[]).map((m) =>
        m.breadcrumb.length === 0 ? { ...m, metadata: { ...m.metadata, selected: names.includes(String(s.tap_stream_id ?? s.stream)) } } : m,
      ),
    })),
  };
}

describe('tap-addepar', () => {
  it('--about --format json lists capabilities and settings, secrets flagged', async () => {
    // --about prints one pretty JSON document, not message lines, so it is read raw.
    const child = spawnCli(TAP, ['--about', '--format', 'json']);
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    const about = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json;
    expect(about.name).toBe('tap-addepar');
    expect(about.capabilities).toEqual(expect.arrayContaining(['catalog', 'state', 'discover']));
    expect(JSON.stringify(about)).toContain('api_secret');
  });

  it('discovers, reads the selected stream and resumes from bookmarks', async () => {
    const sb = await h.sandbox({ redirectDownloads: true });
    const config = h.file('c.json', baseConfig(sb, { view_exports: [{ name: 'holdings', view_id: 14, portfolio_type: 'ENTITY', portfolio_ids: [103], output_type: 'TSV' }] }));
    const discovered = await runCli(TAP, ['--config', config, '--discover']);
    expect(discovered.code).toBe(0);
    const catalog = JSON.parse(discovered.stdout) as { streams: Json[] };
    expect(catalog.streams.map((s) => s.tap_stream_id)).toEqual(['holdings', 'jobs']);
    const holdings = catalog.streams[0]!;
    const root = (holdings.metadata as { breadcrumb: string[]; metadata: Json }[]).find((m) => m.breadcrumb.length === 0)!.metadata;
    expect(root['table-key-properties']).toEqual(['portfolio_id', 'window_start', 'window_end', 'path']);
    expect(root['valid-replication-keys']).toEqual(['window_end']);

    const catalogFile = h.file('cat.json', select(catalog, ['holdings']));
    const r1 = await singer(['--config', config, '--catalog', catalogFile]);
    expect(r1.code).toBe(0);
    expect(ofType(r1.messages, 'SCHEMA').map((m) => m.stream)).toEqual(['holdings']);
    const window = (start: string, end: string): { start: string; end: string } => ({ start, end });
    expect(withoutEntityId(singerRecords(r1.messages, 'holdings'))).toEqual([
      ...expectedViewRecords(14, 'ENTITY', 103, window('2024-01-01', '2024-01-31')),
      ...expectedViewRecords(14, 'ENTITY', 103, window('2024-02-01', '2024-02-29')),
    ]);
    const lastState = ofType(r1.messages, 'STATE').at(-1)!.value as Json;
    expect(((lastState.bookmarks as Json).holdings as Json).partitions).toEqual({ 'ENTITY:103': { cursor: '2024-02-29' } });

    const config2 = h.file('c2.json', baseConfig(sb, { end_date: '2024-03-31', view_exports: [{ name: 'holdings', view_id: 14, portfolio_type: 'ENTITY', portfolio_ids: [103], output_type: 'TSV' }] }));
    const r2 = await singer(['--config', config2, '--catalog', catalogFile, '--state', h.file('state.json', lastState)]);
    expect(r2.code).toBe(0);
    expect(new Set(singerRecords(r2.messages, 'holdings').map((rec) => rec.window_start))).toEqual(new Set(['2024-03-01']));
    expect(sb.jobs).toHaveLength(3);
    expect(sb.fileHostRequests.every((q) => q.headers.authorization === undefined)).toBe(true);
  });
});
