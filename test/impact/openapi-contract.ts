/**
 * A small OpenAPI request validator for the impact.com contract test (chosen over running
 * @stoplight/prism-cli as a proxy: no extra dependency, no extra process, and it checks exactly
 * what the simulator recorded). It reads every ```json block of the vendor's documentation page,
 * merges their paths and component schemas, and checks each recorded request for: a declared path
 * template and method, non-empty path parameters, only declared query parameters, typed query
 * values (format date, enum, integer, boolean), required parameters present, and basic auth.
 * Requests to paths the seed does not declare are violations unless listed as documented exceptions.
 */
import { readFileSync } from 'node:fs';
import type { RecordedRequest } from '../../src/sandbox/framework/server.js';

export interface ParameterSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: ParameterSchema;
}

export interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  security?: Record<string, unknown>[];
}

export interface OpenApiDoc {
  security?: Record<string, unknown>[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
}

/** An endpoint the seed does not document, accepted with its own documented parameters. */
export interface DocumentedException {
  method: string;
  path: string;
  /** Where it is documented, for the report. */
  source: string;
  parameters: Parameter[];
}

export interface Violation {
  request: string;
  problem: string;
}

export function extractJsonBlocks(markdown: string): unknown[] {
  const blocks: unknown[] = [];
  const fence = /```json\s*\n([\s\S]*?)\n```/g;
  for (let m = fence.exec(markdown); m !== null; m = fence.exec(markdown)) blocks.push(JSON.parse(m[1]!));
  return blocks;
}

/** Merges the OpenAPI fragments of a documentation page into one document. */
export function mergeOpenApi(fragments: unknown[]): OpenApiDoc {
  const doc: OpenApiDoc = { paths: {}, components: { schemas: {}, securitySchemes: {} } };
  for (const f of fragments) {
    const frag = f as Partial<OpenApiDoc> & { openapi?: string };
    if (typeof frag.openapi !== 'string') continue;
    doc.security ??= frag.security;
    for (const [path, ops] of Object.entries(frag.paths ?? {})) doc.paths[path] = { ...doc.paths[path], ...ops };
    Object.assign(doc.components.schemas, frag.components?.schemas);
    Object.assign(doc.components.securitySchemes, frag.components?.securitySchemes);
  }
  return doc;
}

export function loadOpenApiFromMarkdown(file: string): OpenApiDoc {
  return mergeOpenApi(extractJsonBlocks(readFileSync(file, 'utf8')));
}

function templateMatch(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const m = /^\{(.+)\}$/.exec(t[i]!);
    if (m) params[m[1]!] = decodeURIComponent(p[i]!);
    else if (t[i] !== p[i]) return undefined;
  }
  return params;
}

function checkValue(name: string, value: string, schema: ParameterSchema | undefined): string | undefined {
  if (schema === undefined) return undefined;
  if (schema.enum !== undefined && !schema.enum.includes(value)) return `query ${name}=${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`;
  if (schema.type === 'integer' && !/^-?\d+$/.test(value)) return `query ${name}=${JSON.stringify(value)} is not an integer`;
  if (schema.type === 'boolean' && value !== 'true' && value !== 'false') return `query ${name}=${JSON.stringify(value)} is not a boolean`;
  if (schema.format === 'date') {
    const ok = /^\d{4}-\d{2}-\d{2}$/.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
    if (!ok) return `query ${name}=${JSON.stringify(value)} is not a date (YYYY-MM-DD)`;
  }
  return undefined;
}

function describe(r: RecordedRequest): string {
  const q = new URLSearchParams(r.query).toString();
  return `${r.method} ${r.path}${q ? `?${q}` : ''}`;
}

export interface ContractReport {
  violations: Violation[];
  /** Requests answered by a documented exception, by exception path. */
  exceptionsUsed: Record<string, number>;
  /** Requests checked against the seed, by operationId. */
  operationsSeen: Record<string, number>;
}

export function checkRequests(doc: OpenApiDoc, requests: RecordedRequest[], exceptions: DocumentedException[] = []): ContractReport {
  const report: ContractReport = { violations: [], exceptionsUsed: {}, operationsSeen: {} };
  const needsBasic = (doc.security ?? []).some((s) => 'basicAuth' in s);
  for (const r of requests) {
    const method = r.method.toLowerCase();
    let operation: Operation | undefined;
    let pathParams: Record<string, string> | undefined;
    let label: string | undefined;
    for (const [template, ops] of Object.entries(doc.paths)) {
      const params = templateMatch(template, r.path);
      if (params === undefined) continue;
      pathParams = params;
      operation = ops[method];
      label = operation?.operationId ?? `${method} ${template}`;
      if (operation === undefined) report.violations.push({ request: describe(r), problem: `method ${r.method} is not declared for ${template}` });
      break;
    }
    if (pathParams === undefined) {
      const exception = exceptions.find((e) => e.method.toLowerCase() === method && templateMatch(e.path, r.path) !== undefined);
      if (exception === undefined) {
        report.violations.push({ request: describe(r), problem: 'path is not declared in the OpenAPI document' });
        continue;
      }
      pathParams = templateMatch(exception.path, r.path);
      operation = { parameters: exception.parameters };
      report.exceptionsUsed[exception.path] = (report.exceptionsUsed[exception.path] ?? 0) + 1;
    } else if (label !== undefined) {
      report.operationsSeen[label] = (report.operationsSeen[label] ?? 0) + 1;
      // A documented addition to a declared operation (e.g. paging parameters the seed leaves out).
      const template = Object.keys(doc.paths).find((t) => templateMatch(t, r.path) !== undefined);
      const addition = exceptions.find((e) => e.method.toLowerCase() === method && e.path === template);
      if (addition !== undefined && operation !== undefined) {
        operation = { ...operation, parameters: [...(operation.parameters ?? []), ...addition.parameters] };
        report.exceptionsUsed[addition.path] = (report.exceptionsUsed[addition.path] ?? 0) + 1;
      }
    }
    if (operation === undefined) continue;
    const declared = operation.parameters ?? [];
    for (const p of declared.filter((x) => x.in === 'path')) {
      if (!pathParams![p.name]) report.violations.push({ request: describe(r), problem: `path parameter ${p.name} is empty` });
    }
    const queryParams = declared.filter((x) => x.in === 'query');
    for (const [name, value] of Object.entries(r.query)) {
      const param = queryParams.find((x) => x.name === name);
      if (param === undefined) {
        report.violations.push({ request: describe(r), problem: `query parameter ${name} is not declared` });
        continue;
      }
      const problem = checkValue(name, value, param.schema);
      if (problem) report.violations.push({ request: describe(r), problem });
    }
    for (const p of queryParams.filter((x) => x.required)) {
      if (!(p.name in r.query)) report.violations.push({ request: describe(r), problem: `required query parameter ${p.name} is missing` });
    }
    if (needsBasic) {
      const auth = r.headers.authorization;
      const ok = typeof auth === 'string' && /^Basic [A-Za-z0-9+/=]+$/.test(auth) && Buffer.from(auth.slice(6), 'base64').toString('utf8').includes(':');
      if (!ok) report.violations.push({ request: describe(r), problem: 'no basic Authorization header' });
    }
  }
  return report;
}
