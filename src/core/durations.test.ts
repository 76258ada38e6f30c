import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatDuration, formatRate, formatWindow } from './durations.js';

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

describe('formatBytes and formatRate', () => {
  it.each([
    [0, '0 B'],
    [812, '812 B'],
    [1_000, '1 kB'],
    [45_200, '45.2 kB'],
    [99_960, '100 kB'],
    [999_600, '1 MB'],
    [3_400_000, '3.4 MB'],
    [12_345_678_901, '12.3 GB'],
  ])('%d bytes read "%s"', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it('keeps a decimal for slow rates, groups fast ones', () => {
    expect(formatRate(0)).toBe('0');
    expect(formatRate(0.04)).toBe('0');
    expect(formatRate(2.46)).toBe('2.5');
    expect(formatRate(14)).toBe('14');
    expect(formatRate(12_345.6)).toBe('12,346');
  });
});
