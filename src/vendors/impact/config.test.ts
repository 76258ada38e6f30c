import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../core/config.js';
import { impactSpec, resolveSettings, type ImpactConfig } from './config.js';

describe('impact spec', () => {
  it('accepts a minimal config and fills the documented defaults', () => {
    const config: Record<string, unknown> = { account_sid: 'IRabc', auth_token: 't', start_date: '2026-01-01' };
    expect(validateConfig(impactSpec.connectionSpecification, config)).toEqual({ ok: true, errors: [] });
    const settings = resolveSettings(config as unknown as ImpactConfig);
    expect(settings.baseUrl).toBe('https://api.impact.com');
    expect([...settings.jobTypes]).toEqual(['DownloadReport', 'ApiReport', 'UploadAds', 'TermModification', 'ClickExport']);
    expect(settings).toMatchObject({ replay: false, streamDownloads: true, maxConcurrentDownloads: 3, pollIntervalMs: 5000, jobTimeoutMs: 3_600_000 });
  });

  it('rejects unknown job types, bad dates and bad report names', () => {
    const bad = validateConfig(impactSpec.connectionSpecification, {
      account_sid: 'IRabc',
      auth_token: 't',
      start_date: '2026-13-01',
      job_types: ['Nope'],
      report_exports: [{ name: 'Bad Name', report_id: 'x' }],
    });
    expect(bad.ok).toBe(false);
    expect(bad.errors.join('\n')).toMatch(/start_date/);
    expect(bad.errors.join('\n')).toMatch(/job_types/);
    expect(bad.errors.join('\n')).toMatch(/report_exports/);
  });

  it('marks the token secret and converts seconds to milliseconds', () => {
    expect(impactSpec.connectionSpecification.properties!.auth_token!.airbyte_secret).toBe(true);
    const settings = resolveSettings({ account_sid: 'a', auth_token: 't', start_date: '2026-01-01', poll_interval_seconds: 0.25, job_timeout_minutes: 2 / 60, base_url: 'http://127.0.0.1:9/', report_exports: [{ name: 'r', report_id: 'x' }] });
    expect(settings).toMatchObject({ pollIntervalMs: 250, jobTimeoutMs: 2000, baseUrl: 'http://127.0.0.1:9' });
    expect(settings.reports).toEqual([{ name: 'r', reportId: 'x', startDate: '2026-01-01', window: 'week', resultFormat: 'CSV', programId: undefined, lookbackDays: 1, includePartialWindow: false }]);
  });
});
