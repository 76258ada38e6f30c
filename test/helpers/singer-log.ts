/**
 * Singer taps log on stderr in the Meltano Singer SDK's layout:
 *   2026-12-02 05:50:09,123 | INFO     | tap-addepar                    | Reading stream "holdings" ...
 * (UTC asctime | level padded to 8 | tap name padded to 30 | message). Tests match lines by level
 * and message without caring for the time.
 */

/** The prefix of every Singer stderr line, up to the message. */
export const SINGER_LOG_PREFIX = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3} \| (?:DEBUG|INFO|WARNING|ERROR) {1,4} \| \S+ +\| /;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A regex (multiline) for a stderr line at `level` whose message starts with `message` (text, or a regex source). */
export function singerLogLine(level: 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR', message: string | RegExp): RegExp {
  const body = typeof message === 'string' ? escape(message) : message.source;
  return new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2},\\d{3} \\| ${level.padEnd(8)} \\| \\S+ +\\| ${body}`, 'm');
}

/** Lines of stderr that are not Singer log lines (continuations of a multi-line message excepted by the caller). */
export function linesNotInSingerLayout(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.length > 0)
    .filter((l) => !SINGER_LOG_PREFIX.test(l));
}
