import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { addDays, dateWindows, toEpochDay, windowStartAfterCursor } from './windows.js';

describe('dateWindows', () => {
  it('cuts days', () => {
    expect(dateWindows('2024-02-28', '2024-03-01', 'day')).toEqual([
      { start: '2024-02-28', end: '2024-02-28' },
      { start: '2024-02-29', end: '2024-02-29' },
      { start: '2024-03-01', end: '2024-03-01' },
    ]);
  });

  it('cuts Monday-to-Sunday weeks, clipping the ends', () => {
    // 2024-01-03 is a Wednesday.
    expect(dateWindows('2024-01-03', '2024-01-16', 'week')).toEqual([
      { start: '2024-01-03', end: '2024-01-07' },
      { start: '2024-01-08', end: '2024-01-14' },
      { start: '2024-01-15', end: '2024-01-16' },
    ]);
  });

  it('cuts calendar months across a leap February and a year end', () => {
    expect(dateWindows('2023-12-15', '2024-03-10', 'month')).toEqual([
      { start: '2023-12-15', end: '2023-12-31' },
      { start: '2024-01-01', end: '2024-01-31' },
      { start: '2024-02-01', end: '2024-02-29' },
      { start: '2024-03-01', end: '2024-03-10' },
    ]);
  });

  it('is empty when start is after end, and a single day when they are equal', () => {
    expect(dateWindows('2024-05-02', '2024-05-01', 'month')).toEqual([]);
    expect(dateWindows('2024-05-02', '2024-05-02', 'week')).toEqual([{ start: '2024-05-02', end: '2024-05-02' }]);
  });

  it('rejects malformed and impossible dates', () => {
    expect(() => dateWindows('2024-02-30', '2024-03-01', 'day')).toThrow(/no such calendar day/);
    expect(() => dateWindows('2024/01/01', '2024-03-01', 'day')).toThrow(/YYYY-MM-DD/);
  });

  it('covers the range exactly: contiguous, ordered, no overlap, none longer than its size', () => {
    const day = fc.integer({ min: toEpochDay('1999-01-01'), max: toEpochDay('2031-12-31') });
    fc.assert(
      fc.property(day, fc.integer({ min: 0, max: 800 }), fc.constantFrom('day', 'week', 'month' as const), (from, len, size) => {
        const start = addDays('1970-01-01', from);
        const end = addDays(start, len);
        const windows = dateWindows(start, end, size);
        expect(windows[0]!.start).toBe(start);
        expect(windows.at(-1)!.end).toBe(end);
        for (let i = 0; i < windows.length; i++) {
          const w = windows[i]!;
          const length = toEpochDay(w.end) - toEpochDay(w.start) + 1;
          expect(length).toBeGreaterThanOrEqual(1);
          expect(length).toBeLessThanOrEqual(size === 'day' ? 1 : size === 'week' ? 7 : 31);
          if (i > 0) expect(toEpochDay(w.start)).toBe(toEpochDay(windows[i - 1]!.end) + 1);
          if (size === 'month' && i > 0) expect(w.start.endsWith('-01')).toBe(true);
        }
      }),
    );
  });
});

describe('windowStartAfterCursor', () => {
  it('starts at startDate without a cursor', () => {
    expect(windowStartAfterCursor(undefined, '2024-01-01', 3)).toBe('2024-01-01');
  });
  it('starts the day after the cursor, minus the lookback', () => {
    expect(windowStartAfterCursor('2024-03-31', '2024-01-01', 0)).toBe('2024-04-01');
    expect(windowStartAfterCursor('2024-03-01', '2024-01-01', 2)).toBe('2024-02-29');
    expect(windowStartAfterCursor('2024-03-31T23:59:59Z', '2024-01-01', 0)).toBe('2024-04-01');
  });
  it('never goes before startDate', () => {
    expect(windowStartAfterCursor('2024-01-02', '2024-01-01', 30)).toBe('2024-01-01');
  });
  it('rejects a negative lookback', () => {
    expect(() => windowStartAfterCursor('2024-01-02', '2024-01-01', -1)).toThrow(/lookback/);
  });
});
