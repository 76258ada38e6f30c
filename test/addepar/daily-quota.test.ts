/**
 * Addepar's 1,000-requests-per-24-h quota through the real CLI (lowered to 40 here): a sync ends
 * cleanly with a resumable transient_error when the day's quota cannot carry another job, and the
 * next days' syncs finish the backfill, nothing lost or read twice, every job launched once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { assertValidAirbyteMessages } from '../helpers/protocol.js';
import { airbyte, baseConfig, Harness, holdingsCatalog, launchesFor, nextState, recordsOf, SOURCE, withoutEntityId, type Json } from './harness.js';
import { BACKFILL, errors, expectedBackfill, key, MONTHS, PORTFOLIOS, sortByKey } from './backfill.js';

const h = new Harness();
afterEach(() => h.close());

describe('Addepar daily request quota', () => {
  it("the day's quota ends each sync with a resumable transient_error; the next days' syncs finish with no key lost or repeated", async () => {
    const sb = await h.sandbox({ rateLimits: { requestsPerDay: 40 } });
    const catalog = h.file('cat.json', await holdingsCatalog(h));
    const config = h.file('c.json', baseConfig(sb, BACKFILL));
    const first = await airbyte(['read', '--config', config, '--catalog', catalog], 90_000);
    expect(first.code).toBe(1);
    const [error] = errors(first.messages);
    expect(error?.failure_type).toBe('transient_error');
    expect(String(error?.message)).toMatch(
      /^Addepar's daily request limit \(40 per 24 h\) is used up: \d+ of 36 jobs of stream holdings done this sync \(\d+ request\(s\) were left, too few for another job\); the next sync continues from here\.$/,
    );
    expect(sb.stats().served429).toBe(0);
    const done = Number(/: (\d+) of 36 jobs/.exec(String(error?.message))![1]);
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(36);
    // Every job it launched was finished and read: nothing is left in flight for tomorrow.
    expect(Object.keys(((nextState(first.messages)[0]!.stream as Json).stream_state as Json).inflight as Json)).toEqual([]);

    // Each next day (sandbox clock; the request ledger of the day before has expired too) a sync
    // continues from the last state, until the backfill is complete.
    let state = nextState(first.messages);
    const delivered = [...recordsOf(first.messages, 'holdings')];
    let finished = false;
    for (let day = 2; day <= 5 && !finished; day++) {
      sb.clock.advance(24 * 3_600_000 + 60_000);
      const ledger = mkdtempSync(path.join(tmpdir(), 'jobtap-next-day-'));
      try {
        const run = await runCli(SOURCE, ['read', '--config', config, '--catalog', catalog, '--state', h.file(`s${day}.json`, state)], {
          env: { JOBTAP_CACHE_DIR: ledger },
          timeoutMs: 90_000,
        });
        assertValidAirbyteMessages(run.messages);
        delivered.push(...recordsOf(run.messages, 'holdings'));
        state = nextState(run.messages);
        if (run.code === 0) finished = true;
        else expect(errors(run.messages).map((e) => e.failure_type)).toEqual(['transient_error', 'transient_error']);
      } finally {
        rmSync(ledger, { recursive: true, force: true });
      }
    }
    expect(finished).toBe(true);
    const all = withoutEntityId(delivered);
    expect(new Set(all.map(key)).size).toBe(all.length);
    expect(sortByKey(all)).toEqual(sortByKey(expectedBackfill()));
    for (const id of PORTFOLIOS) for (const w of MONTHS) expect(launchesFor(sb, id, w.start)).toBe(1);
    expect(sb.stats().served429).toBe(0);
  }, 180_000);
});
