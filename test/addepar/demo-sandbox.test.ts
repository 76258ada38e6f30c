/**
 * The sandbox as the demo uses it: its ready config
 * (every export type: entity/group/firm portfolios, CSV/XLSX views, a query) reads cleanly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { addeparSandboxConfig } from '../../src/sandbox/addepar/index.js';
import { airbyte, configuredCatalog, Harness, recordsOf } from './harness.js';

const h = new Harness();
afterEach(() => h.close());

describe('Addepar demo sandbox', () => {
  it('the demo config reads every export and window', async () => {
    const sb = await h.sandbox();
    const config = h.file('c.json', { ...addeparSandboxConfig(sb, { endDate: '2024-03-31', pollIntervalSeconds: 0.01 }), max_poll_interval_seconds: 0.03 });
    const discover = await airbyte(['discover', '--config', config]);
    const r = await airbyte(['read', '--config', config, '--catalog', h.file('cat.json', configuredCatalog(discover.messages, 'incremental'))]);
    expect(r.code).toBe(0);
    const windows = (stream: string): string[] => [...new Set(recordsOf(r.messages, stream).map((rec) => String(rec.window_start)))].sort();
    for (const stream of ['holdings_by_asset_class', 'firm_performance_by_sector', 'household_allocation']) {
      expect(windows(stream)).toEqual(['2024-01-01', '2024-02-01', '2024-03-01']);
    }
    const firm = recordsOf(r.messages, 'firm_performance_by_sector');
    expect(firm.filter((rec) => rec.depth === 0 && rec.window_start === '2024-01-01')).toHaveLength(1);
    expect(new Set(recordsOf(r.messages, 'holdings_by_asset_class').map((rec) => rec.portfolio_id))).toEqual(new Set([101, 102, 103]));
    expect(recordsOf(r.messages, 'jobs')).toHaveLength(sb.jobs.length);
  });
});
