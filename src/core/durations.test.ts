import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, formatWindow } from './durations.js';

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [250, '250 ms'],
    [3_500, '3.5 s'],
    [45_000, '45 s'],
    [870_000, '14 min 30 s'],
    [900_000, '15 min'],
    [18_720_000, '5 h 12 min'],
    [86_400_000, '24 h'],
    [3 * 86_400_000 + 3_600_000, '3 d 1 h'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('names windows the way a person says them', () => {
    expect(formatWindow(3_600_000)).toBe('hour');
    expect(formatWindow(900_000)).toBe('15 min');
    expect(formatWindow(86_400_000)).toBe('24 h');
    expect(formatCount(1000)).toBe('1,000');
  });
});
