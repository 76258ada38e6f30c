/**
 * `jobtap-sandbox --rate-limit …`: the sandboxes' rate limits as command-line settings, e.g.
 * `--rate-limit off`, `--rate-limit addepar.requests_per_window=200`,
 * `--rate-limit impact.report_exports_per_day=20,impact.requests_per_hour=500`. Durations are in
 * seconds of the sandbox clock.
 */
import type { AddeparRateLimits } from './addepar/index.js';
import type { ImpactRateLimits } from './impact/index.js';

export interface SandboxLimitSettings {
  addepar: Partial<AddeparRateLimits> | false;
  impact: Partial<ImpactRateLimits> | false;
  /** Addepar's request time limit in sandbox ms; false for none. */
  addeparMaxRequestMs?: number | false;
}

const SETTINGS: Record<string, (s: SandboxLimitSettings, n: number) => void> = {
  'addepar.requests_per_window': (s, n) => addepar(s, { requestsPerWindow: n }),
  'addepar.window_seconds': (s, n) => addepar(s, { windowMs: n * 1000 }),
  'addepar.requests_per_day': (s, n) => addepar(s, { requestsPerDay: n }),
  'addepar.day_seconds': (s, n) => addepar(s, { dayMs: n * 1000 }),
  'addepar.max_request_seconds': (s, n) => {
    s.addeparMaxRequestMs = n * 1000;
  },
  'impact.requests_per_hour': (s, n) => impact(s, { requestsPerHour: n }),
  'impact.hour_seconds': (s, n) => impact(s, { hourMs: n * 1000 }),
  'impact.report_exports_per_day': (s, n) => impact(s, { reportExportsPerDay: n }),
  'impact.day_seconds': (s, n) => impact(s, { dayMs: n * 1000 }),
};

export const RATE_LIMIT_SETTING_NAMES = Object.keys(SETTINGS);

function addepar(s: SandboxLimitSettings, v: Partial<AddeparRateLimits>): void {
  s.addepar = { ...(s.addepar === false ? {} : s.addepar), ...v };
}

function impact(s: SandboxLimitSettings, v: Partial<ImpactRateLimits>): void {
  s.impact = { ...(s.impact === false ? {} : s.impact), ...v };
}

/** Applies one `--rate-limit` value to the settings so far; throws a readable Error on a bad one. */
export function applyRateLimitOption(value: string, settings: SandboxLimitSettings): SandboxLimitSettings {
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    if (part === 'off') {
      settings.addepar = false;
      settings.impact = false;
      settings.addeparMaxRequestMs = false;
      continue;
    }
    const [name, raw] = part.split('=');
    const apply = name === undefined ? undefined : SETTINGS[name];
    const n = Number(raw);
    if (apply === undefined) throw new Error(`unknown rate limit setting "${name ?? part}"; use off or one of ${RATE_LIMIT_SETTING_NAMES.join(', ')}`);
    if (raw === undefined || !Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number, e.g. ${name}=100`);
    apply(settings, n);
  }
  return settings;
}
