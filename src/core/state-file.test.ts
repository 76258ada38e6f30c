import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStateFile } from './state-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'jobtap-state-file-'));
function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}
const lines = (...messages: unknown[]): string => messages.map((m) => JSON.stringify(m)).join('\n') + '\n';
const streamState = (name: string, state: unknown): unknown => ({
  type: 'STATE',
  state: { type: 'STREAM', stream: { stream_descriptor: { name }, stream_state: state }, sourceStats: { recordCount: 1 } },
});

describe('readStateFile', () => {
  it('reads a state document as before (array of messages, pretty-printed over several lines)', async () => {
    const f = file('doc.json', JSON.stringify([{ type: 'STREAM', stream: { stream_descriptor: { name: 'a' }, stream_state: { n: 1 } } }], null, 2));
    expect((await readStateFile(f)).streams.get('a')).toEqual({ n: 1 });
  });

  it("takes the newest STATE of every stream from an Airbyte run's output, records and logs around them", async () => {
    const f = file(
      'run-1.jsonl',
      lines(
        { type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: 1, stream_status: { stream_descriptor: { name: 'a' }, status: 'STARTED' } } },
        { type: 'RECORD', record: { stream: 'a', data: { note: 'a "STATE" in a record is data' }, emitted_at: 1 } },
        streamState('a', { n: 1 }),
        streamState('b', { m: 7 }),
        { type: 'LOG', log: { level: 'INFO', message: 'STATE' } },
        streamState('a', { n: 2 }),
      ),
    );
    const state = await readStateFile(f);
    expect(state.streams.get('a')).toEqual({ n: 2 });
    expect(state.streams.get('b')).toEqual({ m: 7 });
    expect(state.format).toBe('stream');
  });

  it("takes the newest STATE value from a Singer tap's output", async () => {
    const f = file(
      'singer.jsonl',
      lines(
        { type: 'SCHEMA', stream: 'a', schema: {}, key_properties: [] },
        { type: 'STATE', value: { bookmarks: { a: { n: 1 } } } },
        { type: 'RECORD', stream: 'a', record: {} },
        { type: 'STATE', value: { bookmarks: { a: { n: 2 }, b: { m: 1 } } } },
      ),
    );
    const state = await readStateFile(f);
    expect(state.streams.get('a')).toEqual({ n: 2 });
    expect(state.streams.get('b')).toEqual({ m: 1 });
  });

  it('ignores a last line cut short by a killed run, but not a broken line before it', async () => {
    const cut = file('cut.jsonl', lines(streamState('a', { n: 1 })) + '{"type":"STATE","state":{"type":"STR');
    expect((await readStateFile(cut)).streams.get('a')).toEqual({ n: 1 });
    const broken = file('broken.jsonl', lines(streamState('a', { n: 1 })) + '{"type":"STATE",\n' + lines(streamState('a', { n: 2 })));
    await expect(readStateFile(broken)).rejects.toThrow(`State file ${broken}, line 2: not a JSON message`);
  });

  it('says when the file is missing', async () => {
    const missing = path.join(dir, 'none.jsonl');
    await expect(readStateFile(missing)).rejects.toThrow(`State file ${missing} not found`);
  });
});
