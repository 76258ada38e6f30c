/** The Addepar sandbox: a deterministic local Addepar Jobs API for tests and the demo. */
export { startAddeparSandbox, JSON_API, ADDEPAR_RATE_LIMITS, ADDEPAR_MAX_REQUEST_MS } from './sandbox.js';
export type { AddeparSandbox, AddeparSandboxOptions, AddeparRateLimits, AddeparSandboxStats, SandboxFaults, SandboxClock } from './sandbox.js';
export type { SandboxJob, AddeparJobStatus, JobErrorObject } from './jobs.js';
export { analyse, walkTree, COLUMN_ATTRIBUTES, GROUPING_ATTRIBUTES } from './analysis.js';
export type { TreeNode, AnalysisRequest } from './analysis.js';
export { SAVED_VIEWS, findView } from './views.js';
export { formatCell } from './render.js';
export { addeparSandboxConfig, addeparSandboxRateLimit } from './demo.js';
export type { SandboxConfigOptions } from './demo.js';
