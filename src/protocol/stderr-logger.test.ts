import { afterEach, describe, expect, it, vi } from 'vitest';
import { SecretMasker } from '../core/secrets.js';
import { asctime, StderrLog } from './stderr-logger.js';

class Sink {
  text = '';
  write(chunk: string): boolean {
    this.text += chunk;
    return true;
  }
}

const AT = new Date(Date.UTC(2026, 11, 2, 5, 50, 9, 123));
const PREFIX = '2026-12-02 05:50:09,123 | ';

afterEach(() => vi.useRealTimers());

describe('StderrLog', () => {
  it('writes the Meltano SDK format: UTC asctime | level (8) | tap name (30) | message', () => {
    const out = new Sink();
    const log = new StderrLog(out, 'debug', { name: 'tap-example', clock: () => AT });
    const logger = log.logger();
    logger.info('Reading stream "events"');
    logger.warn('slow');
    logger.debug('detail');
    log.line('ERROR', 'boom [system_error]');
    expect(out.text.split('\n')).toEqual([
      '2026-12-02 05:50:09,123 | INFO     | tap-example                    | Reading stream "events"',
      '2026-12-02 05:50:09,123 | WARNING  | tap-example                    | slow',
      '2026-12-02 05:50:09,123 | DEBUG    | tap-example                    | detail',
      '2026-12-02 05:50:09,123 | ERROR    | tap-example                    | boom [system_error]',
      '',
    ]);
    expect(asctime(new Date(Date.UTC(2024, 0, 5, 23, 4, 5, 7)))).toBe('2024-01-05 23:04:05,007');
  });

  it('keeps the prefix on the first line of a multi-line message only, masks secrets, honours the level', () => {
    const out = new Sink();
    const log = new StderrLog(out, 'info', { name: 'tap-example', clock: () => AT });
    log.setMasker(new SecretMasker(['hunter2']));
    const logger = log.logger();
    logger.debug('not shown');
    logger.error('failed with key hunter2\n    at frame (file.js:1:1)');
    expect(out.text).toBe(`${PREFIX}ERROR    | tap-example                    | failed with key ****\n    at frame (file.js:1:1)\n`);
  });

  it('plain: no live display, no escape codes', () => {
    const out = new Sink();
    const logger = new StderrLog(out, 'info').logger();
    expect(logger.progress).toBeUndefined();
    logger.info('x');
    expect(out.text).not.toContain('\x1b');
  });

  it('live: progress goes to the live block, log lines are printed above it', () => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
    const out = new Sink();
    const log = new StderrLog(out, 'info', { name: 'tap-example', clock: () => AT, live: { redrawMs: 0 } });
    const logger = log.logger();
    expect(logger.progress).toBeDefined();
    logger.progress!.show({ stream: 'events', startedAt: 0, records: 0, slicesDone: 0, slicesTotal: 2 });
    logger.info('launched job 1');
    expect(out.text).toBe(
      '\x1b[2Kevents: 0 of 2 slices done, 0 records, elapsed 0 ms\n\x1b[J' +
        `\x1b[1A\x1b[J${PREFIX}INFO     | tap-example                    | launched job 1\n\x1b[2Kevents: 0 of 2 slices done, 0 records, elapsed 0 ms\n`,
    );
    log.close();
    expect(out.text.endsWith('\x1b[1A\x1b[J')).toBe(true);
  });

  it('shows no live progress to someone who asked for warnings only', () => {
    const logger = new StderrLog(new Sink(), 'warn', { live: true }).logger();
    expect(logger.progress).toBeUndefined();
  });
});
