/**
 * The `rate_limit` settings every jobtap connector shares: how long a sync may wait for the
 * vendor's limits, and how fast the vendor's clock runs. Each vendor adds its own published limits
 * (Addepar: per 15 minutes and per day; impact.com: per hour and ReportExport calls per day) as
 * settings, so an account with raised limits can use them.
 */
import type { JsonSchema } from './json-schema.js';

export interface RateLimitCommonConfig {
  max_wait_minutes?: number;
  clock_speed?: number;
}

export const DEFAULT_MAX_WAIT_MINUTES = 20;

export const rateLimitCommonProperties: Record<string, JsonSchema> = {
  max_wait_minutes: {
    type: 'number',
    title: 'Longest wait (minutes)',
    description:
      'The longest jobtap waits for a request when the limits are used up (or the vendor answers 429 and asks for a pause). ' +
      'A longer wait ends the sync with a transient error; the next sync continues from its state.',
    exclusiveMinimum: 0,
    default: DEFAULT_MAX_WAIT_MINUTES,
  },
  clock_speed: {
    type: 'number',
    title: 'Vendor clock speed',
    description:
      'How many times faster than real time the API counts its rate-limit windows. 1 for the real API; set only for the jobtap sandbox running with --clock-speed.',
    exclusiveMinimum: 0,
    default: 1,
  },
};

/** The `rate_limit` object of a vendor spec: its own limits plus the shared settings. */
export function rateLimitSpec(description: string, limits: Record<string, JsonSchema>, order: number): JsonSchema {
  return {
    type: 'object',
    title: 'Rate limits',
    description,
    additionalProperties: false,
    properties: { ...limits, ...rateLimitCommonProperties },
    order,
  };
}
