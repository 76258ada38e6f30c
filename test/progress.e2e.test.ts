/**
 * Progress a person can follow, through the built CLIs against the sandboxes: job status lines
 * with elapsed time, slice k of N (stream and sync), vendor percent and ETA; download rates and a
 * done line per job; a last line per stream; Airbyte ESTIMATEs for the Addepar exports (slices
 * planned up front); Singer stderr in the Meltano SDK layout; and, with JOBTAP_PROGRESS=tty, live
 * lines redrawn in place that leave only log lines on the screen when the sync ends.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startImpactSandbox, type ImpactSandbox } from '../src/sandbox/impact/index.js';
import { runCli, type CliResult } from './helpers/cli.js';
import { assertValidSingerMessages } from './helpers/protocol.js';
import { linesNotInSingerLayout, singerLogLine } from './helpers/singer-log.js';
import { replayTerminal } from './helpers/terminal.js';
import { airbyte, baseConfig, configuredCatalog, Harness, ofType, recordsOf, TAP, type Json } from './addepar/harness.js';
import { baseConfig as impactConfig, dayOffset, TAP as IMPACT_TAP, TempDir } from './impact/harness.js';

const h = new Harness();
let impact: ImpactSandbox | undefined;
const tmp = new TempDir();
afterEach(async () => {
  await h.close();
  await impact?.close();
  // Under impact.com's limits (on by default) jobtap provoked no 429.
  if (impact !== undefined) expect(impact.stats().served429).toBe(0);
  impact = undefined;
});
afterAll(() => tmp.remove());

/** A duration as formatDuration writes it: "136 ms", "1.1 s", "45 s", "4 min 10 s", "2 h 5 min". */
const D = '(?:\\d+ ms|[\\d.]+ s|\\d+ min(?: \\d+ s)?|\\d+ h(?: \\d+ min)?)';
/** A holdings slice key: portfolio 101 or 102, January or February 2024. */
const KEY = 'ENTITY:10[12]\\|2024-0[12]-01\\.\\.2024-0[12]-\\d\\d';
const SIZE = '[\\d.]+ k?B';

const HOLDINGS = { name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101, 102], output_type: 'CSV' };
const SECTORS = { name: 'sectors', view_id: 14, portfolio_type: 'ENTITY', portfolio_ids: [103], output_type: 'TSV' };

function logs(messages: Json[]): string[] {
  return ofType(messages, 'LOG').map((m) => String((m.log as Json).message));
}

function estimates(messages: Json[], stream: string): number[] {
  return ofType(messages, 'TRACE')
    .map((m) => (m.trace as Json).estimate as { name: string; type: string; row_estimate?: number } | undefined)
    .filter((e) => e !== undefined && e.name === stream)
    .map((e) => {
      expect(e!.type).toBe('STREAM');
      return e!.row_estimate!;
    });
}

/** Runs tap-addepar with the progress mode given; every stdout line is checked as a Singer message. */
async function tapAddepar(config: string, progress: 'tty' | 'auto'): Promise<CliResult> {
  const r = await runCli(TAP, ['--config', config], { env: { JOBTAP_PROGRESS: progress }, timeoutMs: 45_000 });
  assertValidSingerMessages(r.messages);
  return r;
}

describe('progress lines (source-addepar read)', () => {
  it('status lines: elapsed time, slice k of N of the stream and of the sync, percent and ETA; rates over the download; estimates', async () => {
    const sb = await h.sandbox();
    const config = h.file('c.json', baseConfig(sb, { view_exports: [HOLDINGS, SECTORS] }));
    const discover = await airbyte(['discover', '--config', config]);
    const catalog = h.file('cat.json', configuredCatalog(discover.messages, 'incremental', ['holdings', 'sectors']));
    const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
    expect(r.code, r.stderr).toBe(0);
    const lines = logs(r.messages);
    const holdings = recordsOf(r.messages, 'holdings');
    const sectors = recordsOf(r.messages, 'sectors');

    // Four slices (two portfolios × two months) of holdings, two of sectors: six in the sync.
    const status = new RegExp(`^holdings job \\S+, slice ([1-4]) of 4 \\(${KEY}\\), slice [1-6] of 6 of the sync: (.+), elapsed ${D}$`);
    const statusLines = lines.filter((l) => status.test(l));
    expect(new Set(statusLines.map((l) => status.exec(l)![1]))).toEqual(new Set(['1', '2', '3', '4']));
    // Addepar reports percent_complete: the status says it, and an ETA from it.
    expect(statusLines.some((l) => new RegExp(`: In Progress (25|50|75)%, ETA ${D}, elapsed ${D}$`).test(l))).toBe(true);

    // One done line per job: records, bytes, download time and rate, time since launch.
    const done = new RegExp(`^holdings job \\S+, slice [1-4] of 4 \\(${KEY}\\), slice [1-6] of 6 of the sync: done, (\\d+) records, ${SIZE} in ${D} \\([\\d.,]+ records/s, ${SIZE}/s\\); elapsed ${D} since launch$`);
    const doneLines = lines.filter((l) => done.test(l));
    expect(doneLines).toHaveLength(4);
    expect(doneLines.reduce((n, l) => n + Number(done.exec(l)![1]), 0)).toBe(holdings.length);

    // A last line per stream: slices done, records, elapsed.
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^holdings: finished, 4 of 4 slices done \\([1-6] of 6 of the sync\\), ${holdings.length} records, elapsed ${D}$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^sectors: finished, 2 of 2 slices done \\([1-6] of 6 of the sync\\), ${sectors.length} records, elapsed ${D}$`)));

    // ESTIMATE after completed slices (never more than one per slice); the last one is the exact count.
    for (const [stream, rows, slices] of [['holdings', holdings.length, 4], ['sectors', sectors.length, 2]] as const) {
      const rowEstimates = estimates(r.messages, stream);
      expect(rowEstimates.length, stream).toBeGreaterThan(0);
      expect(rowEstimates.length, stream).toBeLessThanOrEqual(slices);
      expect(rowEstimates.every((n) => Number.isInteger(n) && n > 0), stream).toBe(true);
      expect(rowEstimates.at(-1), stream).toBe(rows);
    }
    // The jobs listing plans no slices: no estimate.
    expect(estimates(r.messages, 'jobs')).toEqual([]);
  });
});

describe('Singer stderr (tap-addepar)', () => {
  it('JOBTAP_PROGRESS=tty: one live line per running stream, redrawn in place; log lines above it; only log lines left at the end', async () => {
    const sb = await h.sandbox();
    const r = await tapAddepar(h.file('c.json', baseConfig(sb)), 'tty');
    expect(r.code, r.stderr).toBe(0);
    // Redrawn in place: cursor up over the block, each line cleared before it is written.
    expect(r.stderr).toMatch(/\x1b\[\d+A/);
    expect(r.stderr).toMatch(new RegExp(`\\x1b\\[2Kholdings: slice [1-4] of 4 · job \\S+ .+ · \\d+ records · elapsed ${D}\\n`));

    const screen = replayTerminal(r.stderr);
    // The live lines are gone; what stays is the log, every line in the Meltano SDK layout.
    expect(linesNotInSingerLayout(screen.join('\n'))).toEqual([]);
    const text = screen.join('\n');
    expect(text).toMatch(singerLogLine('INFO', new RegExp(`holdings: finished, 4 of 4 slices done, ${singerRecordCount(r, 'holdings')} records, elapsed ${D}$`)));
    expect(text).toMatch(singerLogLine('INFO', 'Sync finished'));
    expect(text).toMatch(singerLogLine('INFO', new RegExp(`holdings job \\S+, slice 4 of 4 \\(${KEY}\\): done, \\d+ records`)));
    // The status of each poll is on the live line, not scrolled by as log lines.
    expect(text).not.toMatch(/holdings job \S+, slice \d of 4 \([^)]*\): (In Progress|Completed|Queued)/);
  });

  it('plain (stderr not a terminal): timestamped Meltano-style lines with the same facts, no escape codes', async () => {
    const sb = await h.sandbox();
    const r = await tapAddepar(h.file('c.json', baseConfig(sb)), 'auto');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('\x1b');
    expect(linesNotInSingerLayout(r.stderr)).toEqual([]);
    expect(r.stderr).toMatch(singerLogLine('INFO', new RegExp(`holdings job \\S+, slice [1-4] of 4 \\(${KEY}\\): In Progress (25|50|75)%, ETA ${D}, elapsed ${D}$`)));
    expect(r.stderr).toMatch(singerLogLine('INFO', new RegExp(`holdings job \\S+, slice 4 of 4 \\(${KEY}\\): done, \\d+ records, ${SIZE} in ${D} \\([\\d.,]+ records/s, ${SIZE}/s\\); elapsed ${D} since launch$`)));
    expect(r.stderr).toMatch(singerLogLine('INFO', `Stream "holdings" estimate: ${singerRecordCount(r, 'holdings')} rows`));
    expect(r.stderr).toMatch(singerLogLine('INFO', new RegExp(`holdings: finished, 4 of 4 slices done, ${singerRecordCount(r, 'holdings')} records, elapsed ${D}$`)));
  });
});

describe('Singer stderr (tap-impact)', () => {
  it('plain: report windows and job results say slice k of N, of the sync too; Meltano layout, no escape codes', async () => {
    impact = await startImpactSandbox();
    const config = impactConfig(impact, {
      start_date: dayOffset(-6),
      report_exports: [{ name: 'actions_report', report_id: 'mp_action_listing_fast', window: 'day', start_date: dayOffset(-3), result_format: 'CSV' }],
    });
    const r = await runCli(IMPACT_TAP, ['--config', tmp.file('config.json', config)], { env: { JOBTAP_PROGRESS: 'plain' }, timeoutMs: 50_000 });
    assertValidSingerMessages(r.messages);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('\x1b');
    expect(linesNotInSingerLayout(r.stderr)).toEqual([]);
    // Three complete day windows (through yesterday), in a sync whose job_results stream has slices of its own.
    const syncTotal = /actions_report job \S+, slice [1-3] of 3 \([^)]*\), slice \d+ of (\d+) of the sync: /.exec(r.stderr);
    expect(syncTotal, r.stderr).not.toBeNull();
    expect(Number(syncTotal![1])).toBeGreaterThan(3);
    const rows = ofType(r.messages, 'RECORD').filter((m) => m.stream === 'actions_report').length;
    expect(r.stderr).toMatch(singerLogLine('INFO', new RegExp(`actions_report: finished, 3 of 3 slices done \\(\\d+ of \\d+ of the sync\\), ${rows} records, elapsed ${D}$`)));
    expect(r.stderr).toMatch(singerLogLine('INFO', /job_results: finished, (\d+) of \1 slices done/));
  });
});

/** Singer records of one stream. */
function singerRecordCount(r: CliResult, stream: string): number {
  return ofType(r.messages, 'RECORD').filter((m) => m.stream === stream).length;
}
