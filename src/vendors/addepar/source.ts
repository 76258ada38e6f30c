/**
 * The Addepar source: portfolio view and portfolio query exports, run as Addepar jobs, as
 * incremental typed streams, plus the `jobs` stream. Driven by both front ends
 * (source-addepar for Airbyte, tap-addepar for Singer).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, messageOf } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { unusableStream, type CheckResult, type ConnectorSpec, type Source, type Stream, type StreamsOptions } from '../../core/source.js';
import { HttpError } from '../../http/client.js';
import type { RequestBudget } from '../../http/request-budget.js';
import { AddeparApi, createAddeparHttpClient, explainAuthFailure } from './api.js';
import { addeparConnectionSpecification, resolveConfig, type AddeparConfig, type ResolvedConfig, type ViewExportConfig } from './config.js';
import { addeparScheduler, queryExportStream, viewExportStream, type AddeparConnection } from './export-stream.js';
import { createJobsStream } from './jobs-stream.js';
import { queryShape, viewShape } from './shapes.js';

export type { AddeparConfig } from './config.js';

function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'jobtap' && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return '0.0.0';
}

/** The request budget each config's streams use, for the sync's closing line. */
const budgets = new WeakMap<AddeparConfig, RequestBudget>();

function connect(config: AddeparConfig, logger: Logger): { resolved: ResolvedConfig; api: AddeparApi } {
  const resolved = resolveConfig(config);
  const api = new AddeparApi(createAddeparHttpClient(resolved, logger), resolved, logger);
  budgets.set(config, api.budget);
  return { resolved, api };
}

function missingView(view: ViewExportConfig): ConfigError {
  return new ConfigError(`View export "${view.name}": Addepar has no portfolio view ${view.view_id} visible to this user (check view_id).`);
}

/** The view exports; one whose view Addepar does not show is unusable alone, the others are fine. */
async function viewStreams(conn: AddeparConnection, logger: Logger, only: ReadonlySet<string> | undefined): Promise<Stream[]> {
  const views = conn.config.views.filter((v) => only === undefined || only.has(v.name));
  if (views.length === 0) return [];
  const definitions = await conn.api.viewDefinitions(views.map((v) => v.view_id));
  return views.map((view) => {
    const definition = definitions.get(view.view_id);
    return definition === undefined ? unusableStream(view.name, missingView(view)) : viewExportStream(view, viewShape(definition), conn, logger);
  });
}

export const addeparSource: Source<AddeparConfig> = {
  name: 'source-addepar',
  tapName: 'tap-addepar',
  version: packageVersion(),
  description:
    "Addepar portfolio data through the Jobs API: each configured portfolio view or portfolio query export becomes a typed, incremental stream (one job per portfolio and date window), beside the firm's jobs.",

  spec(): ConnectorSpec {
    return {
      documentationUrl: 'https://developers.addepar.com/docs/jobs',
      connectionSpecification: addeparConnectionSpecification,
    };
  },

  async check(config: AddeparConfig, logger: Logger): Promise<CheckResult> {
    try {
      const { resolved, api } = connect(config, logger);
      // The cheapest call that proves credentials, firm and API permission: one job of the list.
      for await (const page of api.listJobs(1)) {
        void page;
        break;
      }
      // One view listing proves every view id; the attribute lookups only discover needs are skipped.
      const missing = resolved.views.length === 0 ? [] : await api.missingViews(resolved.views.map((v) => v.view_id));
      const broken = resolved.views.find((v) => missing.includes(v.view_id));
      if (broken !== undefined) return { ok: false, message: missingView(broken).message };
      for (const query of resolved.queries) queryShape(query);
      return { ok: true };
    } catch (err) {
      if (err instanceof HttpError && (err.status === 401 || err.status === 403)) return { ok: false, message: explainAuthFailure(err.status) };
      return { ok: false, message: messageOf(err) };
    }
  },

  derivedSecrets(config: AddeparConfig): string[] {
    // The Basic credentials as they travel (the Bearer token is a secret field already).
    return config.api_key && config.api_secret ? [Buffer.from(`${config.api_key}:${config.api_secret}`).toString('base64')] : [];
  },

  usage(config: AddeparConfig): string | undefined {
    return budgets.get(config)?.summary();
  },

  async streams(config: AddeparConfig, logger: Logger, options: StreamsOptions = {}): Promise<Stream[]> {
    const { resolved, api } = connect(config, logger);
    const conn: AddeparConnection = { api, config: resolved, scheduler: addeparScheduler(api, resolved) };
    // A read that selects none of the view exports fetches no view definitions.
    const streams = await viewStreams(conn, logger, options.only);
    for (const query of resolved.queries) streams.push(queryExportStream(query, queryShape(query), conn, logger));
    streams.push(createJobsStream(api, resolved.jobsPageSize));
    return streams;
  },
};
