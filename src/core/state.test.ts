import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { parseStateInput } from './state.js';

const perStream = [
  { type: 'STREAM', stream: { stream_descriptor: { name: 'events' }, stream_state: { seq: 7 } } },
  { type: 'STREAM', stream: { stream_descriptor: { name: 'items' }, stream_state: { page: 2 } } },
];

describe('parseStateInput', () => {
  it('treats missing, null, {} and [] as no state', () => {
    for (const raw of [undefined, null, {}, []]) {
      const s = parseStateInput(raw);
      expect(s.streams.size).toBe(0);
      expect(s.format).toBe('empty');
    }
  });

  it('reads per-stream Airbyte state', () => {
    const s = parseStateInput(perStream);
    expect(s.format).toBe('stream');
    expect(s.streams.get('events')).toEqual({ seq: 7 });
    expect(s.streams.get('items')).toEqual({ page: 2 });
  });

  it('unwraps full STATE messages', () => {
    const s = parseStateInput(perStream.map((state) => ({ type: 'STATE', state })));
    expect(s.streams.get('events')).toEqual({ seq: 7 });
  });

  it('reads GLOBAL state and keeps the shared state aside', () => {
    const s = parseStateInput([
      {
        type: 'GLOBAL',
        global: {
          shared_state: { cdc: 1 },
          stream_states: [{ stream_descriptor: { name: 'events' }, stream_state: { seq: 3 } }],
        },
      },
    ]);
    expect(s.format).toBe('global');
    expect(s.streams.get('events')).toEqual({ seq: 3 });
    expect(s.sharedState).toEqual({ cdc: 1 });
  });

  it('reads legacy plain objects, the {data} envelope and LEGACY messages', () => {
    expect(parseStateInput({ events: { seq: 4 } }).streams.get('events')).toEqual({ seq: 4 });
    const data = parseStateInput({ data: { events: { seq: 5 } } });
    expect(data.format).toBe('legacy');
    expect(data.streams.get('events')).toEqual({ seq: 5 });
    expect(parseStateInput({ type: 'LEGACY', data: { events: { seq: 6 } } }).streams.get('events')).toEqual({ seq: 6 });
    expect(parseStateInput([{ type: 'LEGACY', data: { events: { seq: 8 } } }]).streams.get('events')).toEqual({ seq: 8 });
  });

  it('ignores scalar bookkeeping in a legacy blob', () => {
    const s = parseStateInput({ version: 2, events: { seq: 1 } });
    expect([...s.streams.keys()]).toEqual(['events']);
  });

  it('reads Singer bookmarks and Meltano singer_state', () => {
    const singer = parseStateInput({ bookmarks: { events: { seq: 9 } }, currently_syncing: null });
    expect(singer.format).toBe('singer');
    expect(singer.streams.get('events')).toEqual({ seq: 9 });
    expect(parseStateInput({ singer_state: { bookmarks: { events: { seq: 10 } } } }).streams.get('events')).toEqual({ seq: 10 });
  });

  it('skips streams whose stream_state is null', () => {
    const s = parseStateInput([{ type: 'STREAM', stream: { stream_descriptor: { name: 'x' }, stream_state: null } }]);
    expect(s.streams.size).toBe(0);
    expect(s.format).toBe('stream');
  });

  it('rejects malformed state with a ConfigError naming the place', () => {
    expect(() => parseStateInput('nope')).toThrow(ConfigError);
    expect(() => parseStateInput([{ type: 'STREAM', stream: { stream_descriptor: {} } }])).toThrow(
      /state\[0\]\.stream\.stream_descriptor\.name/,
    );
    expect(() => parseStateInput([{ type: 'WHAT' }])).toThrow(/unknown state type "WHAT"/);
    expect(() => parseStateInput({ bookmarks: { events: 3 } })).toThrow(/state\.bookmarks\.events must be an object/);
    expect(() => parseStateInput([{ type: 'GLOBAL', global: {} }])).toThrow(/global\.stream_states/);
  });
});
