/** The impact.com sandbox: a deterministic local Partner Jobs API for tests, the demo and users. */
export {
  startImpactSandbox,
  DEFAULT_ACCOUNT_SID,
  DEFAULT_AUTH_TOKEN,
  SANDBOX_REPORTS,
  IMPACT_RATE_LIMITS,
  impactSandboxRateLimit,
  type ImpactSandbox,
  type ImpactSandboxOptions,
  type ImpactRateLimits,
  type ImpactSandboxStats,
} from './server.js';
export { JOB_TYPES, RESULT_COLUMNS, resultRows, type ImpactJobType, type ImpactJobStatus, type ResultSpec, type ResultKind } from './jobs.js';
export { actionsForDay, clicksForDay, performanceForDay, type ExportRow } from './dataset.js';
