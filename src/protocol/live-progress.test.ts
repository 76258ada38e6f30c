import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StreamStanding } from '../core/progress.js';
import { replayTerminal } from '../../test/helpers/terminal.js';
import { LiveProgress, liveLine, progressMode } from './live-progress.js';

/** A fake terminal: records what was written, and replays it onto a screen of rows. */
class FakeTty {
  private written = '';
  private mark = 0;
  constructor(readonly columns?: number) {}
  write(chunk: string): boolean {
    this.written += chunk;
    return true;
  }
  /** What was written since the last take(). */
  take(): string {
    const fresh = this.written.slice(this.mark);
    this.mark = this.written.length;
    return fresh;
  }
  screen(): string[] {
    return replayTerminal(this.written);
  }
}

const standing = (stream: string, extra: Partial<StreamStanding> = {}): StreamStanding => ({
  stream,
  startedAt: 0,
  records: 0,
  slicesDone: 0,
  slicesTotal: 4,
  ...extra,
});

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(0);
});
afterEach(() => vi.useRealTimers());

describe('LiveProgress', () => {
  it('draws one line per stream, redraws it in place (cursor up, clear line), throttled', () => {
    const tty = new FakeTty();
    const live = new LiveProgress(tty, { redrawMs: 300 });
    live.show(standing('events'));
    expect(tty.take()).toBe('\x1b[2Kevents: 0 of 4 slices done, 0 records, elapsed 0 ms\n\x1b[J');
    vi.advanceTimersByTime(100);
    live.show(standing('events', { slicesDone: 1, records: 10 }));
    live.show(standing('events', { slicesDone: 2, records: 20 }));
    expect(tty.take()).toBe('');
    vi.advanceTimersByTime(200);
    expect(tty.take()).toBe('\x1b[1A\x1b[2Kevents: 2 of 4 slices done, 20 records, elapsed 300 ms\n\x1b[J');
    live.close();
  });

  it('prints log lines above the live block, which scroll normally; the block stays at the bottom', () => {
    const tty = new FakeTty();
    const live = new LiveProgress(tty);
    live.show(standing('events'));
    live.show(standing('orders', { slicesTotal: 2 }));
    vi.advanceTimersByTime(300);
    tty.take();
    live.print('WARNING something\n');
    expect(tty.take()).toBe(
      '\x1b[2A\x1b[JWARNING something\n\x1b[2Kevents: 0 of 4 slices done, 0 records, elapsed 300 ms\n\x1b[2Korders: 0 of 2 slices done, 0 records, elapsed 300 ms\n',
    );
    live.print('INFO more\n');
    live.end('events');
    expect(tty.screen()).toEqual(['WARNING something', 'INFO more', 'orders: 0 of 2 slices done, 0 records, elapsed 300 ms']);
    live.end('orders');
    tty.take();
    live.print('INFO done\n');
    // With no live line left, log lines are written as they are.
    expect(tty.take()).toBe('INFO done\n');
    expect(tty.screen()).toEqual(['WARNING something', 'INFO more', 'INFO done']);
  });

  it('keeps elapsed times moving between reports, and never keeps the process alive', () => {
    const tty = new FakeTty();
    const live = new LiveProgress(tty, { heartbeatMs: 1_000 });
    live.show(standing('events'));
    vi.advanceTimersByTime(65_000);
    expect(tty.screen()).toEqual(['events: 0 of 4 slices done, 0 records, elapsed 1 min 5 s']);
    live.end('events');
    tty.take();
    vi.advanceTimersByTime(5_000);
    expect(tty.take()).toBe('');
  });

  it('cuts lines to the terminal width, so a line never wraps and the cursor-up count holds', () => {
    const tty = new FakeTty(30);
    const live = new LiveProgress(tty);
    live.show(standing('a_stream_with_a_long_name'));
    const [line] = tty.screen();
    expect(line).toBe('a_stream_with_a_long_name: 0…');
    expect([...line!]).toHaveLength(29);
  });

  it('masks every live line, and close() takes the block off the screen', () => {
    const tty = new FakeTty();
    const live = new LiveProgress(tty, { mask: (l) => l.replace('secret', '****') });
    live.show(standing('secret'));
    expect(tty.screen()).toEqual(['****: 0 of 4 slices done, 0 records, elapsed 0 ms']);
    live.close();
    expect(tty.screen()).toEqual([]);
  });
});

describe('liveLine', () => {
  const job = { id: '42', status: 'In Progress', percent: 25, etaAt: 105_000, launchedAt: 0 };
  it('says what the stream is doing now, most telling first', () => {
    expect(liveLine(standing('events', { slicesTotal: undefined }), 2_000)).toBe('events: planning slices · elapsed 2 s');
    expect(liveLine(standing('events', { slice: { index: 2, total: 4, sync: { index: 5, total: 12 } }, job, records: 1_200 }), 60_000)).toBe(
      'events: slice 2 of 4, slice 5 of 12 of the sync · job 42 In Progress 25%, ETA 45 s · 1,200 records · elapsed 1 min',
    );
    expect(liveLine(standing('events', { slice: { index: 3 }, job, download: { startedAt: 58_000, records: 1_000, bytes: 45_200 }, records: 2_200 }), 60_000)).toBe(
      'events: slice 3 · job 42 downloading 1,000 records, 45.2 kB in 2 s (500 records/s, 22.6 kB/s) · 2,200 records · elapsed 1 min',
    );
  });
});

describe('progressMode (JOBTAP_PROGRESS)', () => {
  it('is live on a terminal unless told otherwise, plain elsewhere', () => {
    expect(progressMode({ isTTY: true }, {})).toBe('tty');
    expect(progressMode({ isTTY: true }, { TERM: 'dumb' })).toBe('plain');
    expect(progressMode({}, {})).toBe('plain');
    expect(progressMode({}, { JOBTAP_PROGRESS: 'tty' })).toBe('tty');
    expect(progressMode({ isTTY: true }, { JOBTAP_PROGRESS: 'plain' })).toBe('plain');
    expect(progressMode({ isTTY: true }, { JOBTAP_PROGRESS: 'auto' })).toBe('tty');
  });
});
