/**
 * source-addepar end to end through the built CLI against the Addepar sandbox: spec, check,
 * discover, full refresh and incremental reads with resume across windows.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { airbyte, baseConfig, configuredCatalog, expectedViewRecords, Harness, launchesFor, nextState, ofType, recordsOf, withoutEntityId, type Json } from './harness.js';

const h = new Harness();
afterEach(() => h.close());

describe('source-addepar spec and check', () => {
  it('spec lists the settings with secrets marked', async () => {
    const r = await airbyte(['spec']);
    expect(r.code).toBe(0);
    const spec = ofType(r.messages, 'SPEC')[0]!.spec as Json;
    const props = (spec.connectionSpecification as Json).properties as Record<string, Json>;
    for (const secret of ['api_key', 'api_secret', 'oauth_access_token']) expect(props[secret]!.airbyte_secret).toBe(true);
    for (const key of ['base_url', 'firm_id', 'view_exports', 'query_exports', 'start_date', 'end_date', 'window_size', 'lookback_days', 'max_concurrent_jobs', 'job_timeout_minutes', 'poll_interval_seconds', 'checkpoint_interval_records', 'on_cast_error']) {
      expect(props).toHaveProperty(key);
    }
  });

  it('check succeeds with good credentials using one page of one job', async () => {
    const sb = await h.sandbox();
    const r = await airbyte(['check', '--config', h.file('c.json', baseConfig(sb))]);
    expect(ofType(r.messages, 'CONNECTION_STATUS')[0]!.connectionStatus).toEqual({ status: 'SUCCEEDED' });
    const list = sb.requests.find((q) => q.path === '/api/v1/jobs' && q.method === 'GET')!;
    expect(list.query['page[limit]']).toBe('1');
    expect(list.headers['addepar-firm']).toBe('1');
    expect(list.headers.accept).toBe('application/vnd.api+json');
  });

  it('check explains bad credentials (401) without echoing the secret', async () => {
    const sb = await h.sandbox();
    const r = await airbyte(['check', '--config', h.file('c.json', baseConfig(sb, { api_secret: 'wrong-secret-value' }))]);
    const status = ofType(r.messages, 'CONNECTION_STATUS')[0]!.connectionStatus as Json;
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(/did not accept the credentials \(HTTP 401\).*api_key and api_secret/);
    expect(r.stdout).not.toContain('wrong-secret-value');
  });

  it('check explains a missing API permission or PORTFOLIO scope (403)', async () => {
    const sb = await h.sandbox({ forbidden: true });
    const r = await airbyte(['check', '--config', h.file('c.json', baseConfig(sb))]);
    const status = ofType(r.messages, 'CONNECTION_STATUS')[0]!.connectionStatus as Json;
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(/HTTP 403.*API Access: Create, edit, and delete.*PORTFOLIO scope/);
  });

  it('check names a config mistake: missing credentials, a missing field', async () => {
    const sb = await h.sandbox();
    const { api_key: _k, api_secret: _s, ...noCredentials } = baseConfig(sb);
    const r1 = await airbyte(['check', '--config', h.file('c1.json', noCredentials)]);
    expect((ofType(r1.messages, 'CONNECTION_STATUS')[0]!.connectionStatus as Json).message).toMatch(/needs credentials/);
    const { firm_id: _f, ...noFirm } = baseConfig(sb);
    const r2 = await airbyte(['check', '--config', h.file('c2.json', noFirm)]);
    expect((ofType(r2.messages, 'CONNECTION_STATUS')[0]!.connectionStatus as Json).message).toMatch(/firm_id/);
    expect(sb.requests).toHaveLength(0);
  });

  it('check reports a view that does not exist', async () => {
    const sb = await h.sandbox();
    const config = baseConfig(sb, { view_exports: [{ name: 'v', view_id: 999, portfolio_type: 'ENTITY', portfolio_ids: [101] }] });
    const r = await airbyte(['check', '--config', h.file('c.json', config)]);
    expect((ofType(r.messages, 'CONNECTION_STATUS')[0]!.connectionStatus as Json).message).toMatch(/no portfolio view 999/);
  });
});

describe('source-addepar discover and read', () => {
  const queryExport = {
    name: 'household_by_asset_class',
    columns: [{ key: 'value' }, { key: 'time_weighted_return' }, { key: 'inception_date' }],
    groupings: [{ key: 'asset_class' }],
    portfolio_type: 'GROUP',
    portfolio_ids: [501],
  };

  it('discovers one stream per export plus jobs, with keys, cursor and typed columns', async () => {
    const sb = await h.sandbox();
    const r = await airbyte(['discover', '--config', h.file('c.json', baseConfig(sb, { query_exports: [queryExport] }))]);
    const streams = (ofType(r.messages, 'CATALOG')[0]!.catalog as { streams: Json[] }).streams;
    expect(streams.map((s) => s.name)).toEqual(['holdings', 'household_by_asset_class', 'jobs']);
    const holdings = streams[0]!;
    expect(holdings.supported_sync_modes).toEqual(['full_refresh', 'incremental']);
    expect(holdings.default_cursor_field).toEqual(['window_end']);
    expect(holdings.source_defined_primary_key).toEqual([['portfolio_id'], ['window_start'], ['window_end'], ['path']]);
    const props = (holdings.json_schema as Json).properties as Record<string, Json>;
    expect(props.time_weighted_return!.type).toEqual(['null', 'number']);
    expect(props.inception_date).toMatchObject({ type: ['null', 'string'], format: 'date' });
    expect(props.sector!.type).toEqual(['null', 'string']);
    expect(streams[2]!.supported_sync_modes).toEqual(['full_refresh']);
    // Discover makes no job: view schemas come from the view definition.
    expect(sb.jobs).toHaveLength(0);
  });

  it('a read that selects only the jobs stream asks for no view definitions or attributes', async () => {
    const sb = await h.sandbox();
    const config = h.file('c.json', baseConfig(sb));
    const discover = await airbyte(['discover', '--config', config]);
    const catalog = h.file('cat.json', configuredCatalog(discover.messages, 'full_refresh', ['jobs']));
    const before = sb.requests.length;
    const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
    expect(r.code, r.stderr).toBe(0);
    const paths = sb.requests.slice(before).map((q) => q.path);
    expect(paths.filter((p) => /\/v1\/(portfolio\/views|attributes)/.test(p))).toEqual([]);
    expect(paths.length).toBeGreaterThan(0);
  });

  it('full refresh reads every portfolio × window with exact typed records, and the jobs stream', async () => {
    const sb = await h.sandbox();
    const config = h.file('c.json', baseConfig(sb, { query_exports: [queryExport] }));
    const discover = await airbyte(['discover', '--config', config]);
    const catalog = h.file('cat.json', configuredCatalog(discover.messages, 'full_refresh'));
    const r = await airbyte(['read', '--config', config, '--catalog', catalog]);
    expect(r.code).toBe(0);
    const holdings = recordsOf(r.messages, 'holdings');
    const expected = [
      ...expectedViewRecords(12, 'ENTITY', 101, { start: '2024-01-01', end: '2024-01-31' }),
      ...expectedViewRecords(12, 'ENTITY', 102, { start: '2024-01-01', end: '2024-01-31' }),
      ...expectedViewRecords(12, 'ENTITY', 101, { start: '2024-02-01', end: '2024-02-29' }),
      ...expectedViewRecords(12, 'ENTITY', 102, { start: '2024-02-01', end: '2024-02-29' }),
    ];
    expect(withoutEntityId(holdings)).toEqual(expected);
    expect(holdings.every((rec) => rec.entity_id === null)).toBe(true);

    const query = recordsOf(r.messages, 'household_by_asset_class');
    expect(query.filter((q) => q.window_start === '2024-01-01').map((q) => q.path)).toEqual([
      'Total',
      'Total / Alternatives',
      'Total / Cash & Cash Equivalent',
      'Total / Equity',
      'Total / Fixed Income',
    ]);
    expect(query[0]).toMatchObject({ portfolio_type: 'GROUP', portfolio_id: 501, depth: 0, inception_date: '2019-03-15' });

    const jobs = recordsOf(r.messages, 'jobs');
    expect(jobs).toHaveLength(sb.jobs.length);
    expect(jobs.every((j) => j.status === 'Completed' && j.percent_complete === 1)).toBe(true);
    expect(jobs[0]!.parameters).toMatchObject({ view_id: 12, portfolio_id: '101', output_type: 'CSV' });

    // Query jobs carry only what Addepar understands.
    const queryJob = sb.jobs.find((j) => j.jobType === 'PORTFOLIO_QUERY')!;
    expect(queryJob.parameters).toMatchObject({ portfolio_type: 'GROUP', portfolio_id: [501], groupings: [{ key: 'asset_class' }], hide_previous_holdings: false });
    // No credential leaves the process in any message.
    const basic = Buffer.from(`${sb.credentials.apiKey}:${sb.credentials.apiSecret}`).toString('base64');
    for (const secret of [sb.credentials.apiSecret, sb.credentials.apiKey, basic]) expect(r.stdout).not.toContain(secret);
    // Primary keys are unique.
    const keys = holdings.map((rec) => `${String(rec.portfolio_id)}|${String(rec.window_start)}|${String(rec.window_end)}|${String(rec.path)}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('incremental: a second sync reads only new windows, plus the lookback, with the same keys', async () => {
    const sb = await h.sandbox();
    const first = baseConfig(sb, { end_date: '2024-02-29' });
    const discover = await airbyte(['discover', '--config', h.file('c1.json', first)]);
    const catalog = h.file('cat.json', configuredCatalog(discover.messages, 'incremental', ['holdings']));
    const r1 = await airbyte(['read', '--config', h.file('c1.json', first), '--catalog', catalog]);
    expect(r1.code).toBe(0);
    expect(sb.jobs).toHaveLength(4);
    const state1 = nextState(r1.messages);
    expect(((state1[0]!.stream as Json).stream_state as Json).partitions).toEqual({
      'ENTITY:101': { cursor: '2024-02-29' },
      'ENTITY:102': { cursor: '2024-02-29' },
    });

    // Two more months: only March and April are read.
    const r2 = await airbyte(['read', '--config', h.file('c2.json', baseConfig(sb, { end_date: '2024-04-30' })), '--catalog', catalog, '--state', h.file('s1.json', state1)]);
    expect(r2.code).toBe(0);
    expect(sb.jobs).toHaveLength(8);
    const windows2 = new Set(recordsOf(r2.messages, 'holdings').map((rec) => rec.window_start));
    expect([...windows2].sort()).toEqual(['2024-03-01', '2024-04-01']);
    expect(launchesFor(sb, 101, '2024-01-01')).toBe(1);

    // Nothing new: no job at all.
    const r3 = await airbyte(['read', '--config', h.file('c2.json', baseConfig(sb, { end_date: '2024-04-30' })), '--catalog', catalog, '--state', h.file('s2.json', nextState(r2.messages))]);
    expect(recordsOf(r3.messages, 'holdings')).toHaveLength(0);
    expect(sb.jobs).toHaveLength(8);

    // A 15-day lookback re-reads April whole: same window bounds, so the same primary keys.
    const r4 = await airbyte([
      'read',
      '--config',
      h.file('c4.json', baseConfig(sb, { end_date: '2024-04-30', lookback_days: 15 })),
      '--catalog',
      catalog,
      '--state',
      h.file('s3.json', nextState(r3.messages)),
    ]);
    const reread = recordsOf(r4.messages, 'holdings');
    expect(new Set(reread.map((rec) => rec.window_start))).toEqual(new Set(['2024-04-01']));
    const april = recordsOf(r2.messages, 'holdings').filter((rec) => rec.window_start === '2024-04-01');
    expect(reread).toEqual(april);
  });

  it('full refresh resumes an interrupted run from state, and starts over after a finished one', async () => {
    const sb = await h.sandbox();
    const config = h.file('c.json', baseConfig(sb, { view_exports: [{ name: 'holdings', view_id: 12, portfolio_type: 'ENTITY', portfolio_ids: [101] }] }));
    const discover = await airbyte(['discover', '--config', config]);
    const catalog = h.file('cat.json', configuredCatalog(discover.messages, 'full_refresh', ['holdings']));
    const interrupted = [
      { type: 'STREAM', stream: { stream_descriptor: { name: 'holdings' }, stream_state: { partitions: { 'ENTITY:101': { cursor: '2024-01-31' } }, inflight: {} } } },
    ];
    const resumed = await airbyte(['read', '--config', config, '--catalog', catalog, '--state', h.file('s1.json', interrupted)]);
    expect(new Set(recordsOf(resumed.messages, 'holdings').map((rec) => rec.window_start))).toEqual(new Set(['2024-02-01']));
    const again = await airbyte(['read', '--config', config, '--catalog', catalog, '--state', h.file('s2.json', nextState(resumed.messages))]);
    expect(new Set(recordsOf(again.messages, 'holdings').map((rec) => rec.window_start))).toEqual(new Set(['2024-01-01', '2024-02-01']));
  });
});
