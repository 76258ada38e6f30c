import { describe, expect, it } from 'vitest';
import { applyRateLimitOption, type SandboxLimitSettings } from './cli-options.js';

describe('--rate-limit', () => {
  const fresh = (): SandboxLimitSettings => ({ addepar: {}, impact: {} });
  it('reads settings per vendor, in sandbox seconds', () => {
    const s = applyRateLimitOption('addepar.requests_per_window=200,addepar.window_seconds=60', fresh());
    applyRateLimitOption('impact.report_exports_per_day=20', s);
    expect(s).toEqual({ addepar: { requestsPerWindow: 200, windowMs: 60_000 }, impact: { reportExportsPerDay: 20 } });
  });
  it('turns every limit off', () => {
    expect(applyRateLimitOption('off', fresh())).toEqual({ addepar: false, impact: false, addeparMaxRequestMs: false });
  });
  it('names what is wrong', () => {
    expect(() => applyRateLimitOption('addepar.requests=5', fresh())).toThrow(/unknown rate limit setting "addepar.requests"/);
    expect(() => applyRateLimitOption('impact.requests_per_hour=-1', fresh())).toThrow(/positive number/);
  });
});
