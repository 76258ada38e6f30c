import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import type { Stream } from '../core/source.js';
import { projectSchema, selectSingerStreams, singerCatalog } from './singer-catalog.js';

function stream(name: string, incremental: boolean): Stream {
  return {
    name,
    jsonSchema: {
      type: 'object',
      properties: { id: { type: 'integer' }, updated: { type: 'string' }, a: { type: 'string' }, b: { type: 'string' } },
      required: ['id', 'a'],
    },
    supportedSyncModes: incremental ? ['full_refresh', 'incremental'] : ['full_refresh'],
    defaultCursorField: incremental ? ['updated'] : undefined,
    sourceDefinedPrimaryKey: [['id']],
    async *read() {},
  };
}

const offered = [stream('inc', true), stream('full', false)];

describe('singerCatalog', () => {
  it('describes streams with Singer metadata breadcrumbs', () => {
    const catalog = singerCatalog(offered) as { streams: Record<string, unknown>[] };
    const inc = catalog.streams[0];
    expect(inc).toMatchObject({
      tap_stream_id: 'inc',
      stream: 'inc',
      key_properties: ['id'],
      replication_key: 'updated',
      replication_method: 'INCREMENTAL',
    });
    const md = inc.metadata as { breadcrumb: string[]; metadata: Record<string, unknown> }[];
    expect(md[0]).toEqual({
      breadcrumb: [],
      metadata: expect.objectContaining({
        inclusion: 'available',
        selected: true,
        'selected-by-default': true,
        'table-key-properties': ['id'],
        'forced-replication-method': 'INCREMENTAL',
        'valid-replication-keys': ['updated'],
        'replication-key': 'updated',
      }),
    });
    const inclusion = Object.fromEntries(md.slice(1).map((m) => [m.breadcrumb[1], m.metadata.inclusion]));
    expect(inclusion).toEqual({ id: 'automatic', updated: 'automatic', a: 'available', b: 'available' });
    const full = catalog.streams[1];
    expect(full.replication_method).toBe('FULL_TABLE');
    expect(full.replication_key).toBeUndefined();
  });
});

describe('selectSingerStreams', () => {
  const discovered = singerCatalog(offered) as { streams: Record<string, unknown>[] };
  const clone = (): { streams: Record<string, unknown>[] } => JSON.parse(JSON.stringify(discovered)) as { streams: Record<string, unknown>[] };
  const meta = (entry: Record<string, unknown>) => entry.metadata as { breadcrumb: string[]; metadata: Record<string, unknown> }[];

  it('selects everything in a freshly discovered catalog', () => {
    const sel = selectSingerStreams(clone(), offered, 'c.json').selected;
    expect(sel.map((s) => [s.stream.name, s.syncMode, s.properties])).toEqual([
      ['inc', 'incremental', undefined],
      ['full', 'full_refresh', undefined],
    ]);
  });

  it('respects stream and property deselection, but never drops automatic properties', () => {
    const cat = clone();
    meta(cat.streams[1])[0].metadata.selected = false;
    for (const m of meta(cat.streams[0])) {
      if (m.breadcrumb[1] === 'b' || m.breadcrumb[1] === 'id') m.metadata.selected = false;
    }
    const sel = selectSingerStreams(cat, offered, 'c.json').selected;
    expect(sel).toHaveLength(1);
    expect(sel[0].properties).toEqual(['id', 'updated', 'a']);
  });

  it('honours replication-method FULL_TABLE and the legacy selected flag', () => {
    const cat = clone();
    meta(cat.streams[0])[0].metadata['replication-method'] = 'FULL_TABLE';
    delete meta(cat.streams[1])[0].metadata.selected;
    meta(cat.streams[1])[0].metadata['selected-by-default'] = false;
    cat.streams[1].selected = true;
    const sel = selectSingerStreams(cat, offered, 'c.json').selected;
    expect(sel.map((s) => [s.stream.name, s.syncMode])).toEqual([
      ['inc', 'full_refresh'],
      ['full', 'full_refresh'],
    ]);
  });

  it('lists selected streams the tap does not offer apart; rejects impossible replication and malformed catalogs', () => {
    const withUnknown = clone();
    withUnknown.streams.push({ tap_stream_id: 'nope', metadata: [{ breadcrumb: [], metadata: { selected: true } }] });
    const picked = selectSingerStreams(withUnknown, offered, 'c.json');
    expect(picked.selected.map((s) => s.stream.name)).toEqual(['inc', 'full']);
    expect(picked.unavailable).toEqual(['nope']);
    const cat = clone();
    meta(cat.streams[1])[0].metadata['replication-method'] = 'INCREMENTAL';
    expect(() => selectSingerStreams(cat, offered, 'c.json')).toThrow(ConfigError);
    expect(() => selectSingerStreams({}, offered, 'c.json')).toThrow(/c\.json/);
    // Unselected unknown streams are simply ignored.
    expect(selectSingerStreams({ streams: [{ tap_stream_id: 'nope' }] }, offered, 'c.json')).toEqual({ selected: [], unavailable: [] });
  });

  it('projects the schema onto the selected properties', () => {
    const s = projectSchema(offered[0].jsonSchema, ['id', 'b']);
    expect(Object.keys(s.properties ?? {})).toEqual(['id', 'b']);
    expect(s.required).toEqual(['id']);
  });
});
