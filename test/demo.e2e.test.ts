/**
 * The README's first command, end to end: the demo script syncs both vendors twice against the
 * sandboxes through the real CLIs. Pins down that every stream delivers records, that the files
 * hold exactly what the summary reports, and that the second run reads only what is new.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distEntry, runCli, type CliResult } from './helpers/cli.js';

interface Summary {
  vendor: string;
  run: number;
  streams: { stream: string; records: number; bytes: number }[];
}

function readJsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('npm run demo', () => {
  let out: string;
  let result: CliResult;
  let summary: Summary[];
  const records = (vendor: string, run: number, stream: string) => readJsonl(path.join(out, vendor, `run-${run}`, `${stream}.jsonl`));

  beforeAll(async () => {
    out = mkdtempSync(path.join(tmpdir(), 'jobtap-demo-'));
    result = await runCli(distEntry('src/demo/run'), ['--out', out], { timeoutMs: 120_000, plainStdout: true });
    summary = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as Summary[];
  }, 150_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('completes and prints the table', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/vendor\s+run\s+stream\s+records\s+bytes\s+seconds/);
  });

  it('writes, for every stream of both vendors, a JSONL file that holds exactly the records the summary counts', () => {
    const expected: Record<string, string[]> = {
      addepar: ['holdings_by_asset_class', 'firm_performance_by_sector', 'household_allocation', 'jobs'],
      impact: ['jobs', 'job_results', 'action_listing'],
    };
    for (const [vendor, streams] of Object.entries(expected)) {
      const run1 = summary.find((s) => s.vendor === vendor && s.run === 1)!;
      expect(run1.streams.map((s) => s.stream).sort()).toEqual([...streams].sort());
      for (const run of summary.filter((s) => s.vendor === vendor)) {
        for (const s of run.streams) {
          expect(s.records).toBeGreaterThan(0);
          expect(records(vendor, run.run, s.stream)).toHaveLength(s.records);
        }
      }
    }
  });

  it("stays inside both vendors' rate limits: the sandboxes refused no request", () => {
    const limits = JSON.parse(readFileSync(path.join(out, 'rate-limits.json'), 'utf8')) as Record<string, { requests: number; served429: number }>;
    expect(limits.addepar!.requests).toBeGreaterThan(0);
    expect([limits.addepar!.served429, limits.impact!.served429]).toEqual([0, 0]);
    expect(result.stdout).toMatch(/requests: Addepar \d+ \(429s served: 0\), impact\.com \d+ \(429s served: 0\)/);
  });

  it('Addepar: run 1 reads the windows up to last month, run 2 only the new window of this month', () => {
    const today = new Date();
    const thisMonth = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1)).toISOString().slice(0, 10);
    for (const stream of ['holdings_by_asset_class', 'firm_performance_by_sector', 'household_allocation']) {
      const first = records('addepar', 1, stream);
      const second = records('addepar', 2, stream);
      expect(first.every((r) => String(r.window_end) < thisMonth)).toBe(true);
      expect(new Set(first.map((r) => r.window_start)).size).toBe(3);
      expect(second.length).toBeGreaterThan(0);
      expect(second.every((r) => r.window_start === thisMonth)).toBe(true);
    }
  });

  it('impact.com: run 2 reads only the jobs and results that appeared since run 1', () => {
    // A job still running at run 1 comes again once it has changed; every other job of run 2 is new.
    const statusById = (run: number) => new Map(records('impact', run, 'jobs').map((r) => [r.Id, r.Status]));
    const first = statusById(1);
    const second = statusById(2);
    expect(second.size).toBeGreaterThan(0);
    for (const [id, status] of second) {
      if (first.has(id)) expect(['QUEUED', 'RUNNING']).toContain(first.get(id));
      if (first.has(id)) expect(status).not.toBe(first.get(id));
    }
    expect([...second.keys()].filter((id) => !first.has(id)).length).toBeGreaterThan(0);
    const resultJobs = (run: number) => new Set(records('impact', run, 'job_results').map((r) => r.job_id));
    const firstResults = resultJobs(1);
    for (const id of resultJobs(2)) expect(firstResults.has(id)).toBe(false);
  });
});
