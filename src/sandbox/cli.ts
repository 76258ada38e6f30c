#!/usr/bin/env node
/**
 * `jobtap-sandbox`: the Addepar and impact.com simulators as a local server, so every example
 * works with no credentials and no internet. Listens on 127.0.0.1 unless --host says otherwise,
 * writes ready-to-use connector configs and catalogs, and runs until interrupted.
 */
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startAddeparSandbox } from './addepar/index.js';
import { startImpactSandbox } from './impact/index.js';
import { applyRateLimitOption, RATE_LIMIT_SETTING_NAMES, type SandboxLimitSettings } from './cli-options.js';
import { ADDEPAR_SANDBOX_PROGRESSION, addeparExampleConfig, impactExampleConfig } from './example-configs.js';
import { writeSandboxFiles } from './sandbox-files.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port number 0-65535');
  return n;
}

function speed(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number, e.g. 60 (an hour of sandbox time per real minute)');
  return n;
}

function rateLimit(value: string, previous: SandboxLimitSettings): SandboxLimitSettings {
  try {
    return applyRateLimitOption(value, previous);
  } catch (err) {
    throw new InvalidArgumentError(err instanceof Error ? err.message : String(err));
  }
}

const program = new Command('jobtap-sandbox')
  .description('Serve local, deterministic simulators of the Addepar Jobs API and the impact.com Partner Jobs API.')
  .option('--host <host>', 'interface to listen on; anything but loopback exposes the sandbox to your network', '127.0.0.1')
  .option('--addepar-port <port>', 'Addepar API port (0 = any free port)', port, 0)
  .option('--impact-port <port>', 'impact.com API port (0 = any free port)', port, 0)
  .option('--configs <dir>', 'where to write connector configs and ready catalogs for the sandboxes', 'sandbox-configs')
  .option('--clock-speed <n>', 'run the sandbox clock n times faster than real time (rate-limit windows, job run times); the configs written say so', speed, 1)
  .option(
    '--rate-limit <settings>',
    `the vendors' published rate limits are on by default; "off", or setting=value,… with settings ${RATE_LIMIT_SETTING_NAMES.join(', ')} (seconds are sandbox seconds); repeatable`,
    rateLimit,
    { addepar: {}, impact: {} } as SandboxLimitSettings,
  )
  .action(async (opts: { host: string; addeparPort: number; impactPort: number; configs: string; clockSpeed: number; rateLimit: SandboxLimitSettings }) => {
    const addepar = await startAddeparSandbox({
      host: opts.host,
      port: opts.addeparPort,
      progression: ADDEPAR_SANDBOX_PROGRESSION,
      clockSpeed: opts.clockSpeed,
      rateLimits: opts.rateLimit.addepar,
      ...(opts.rateLimit.addeparMaxRequestMs === undefined ? {} : { maxRequestMs: opts.rateLimit.addeparMaxRequestMs }),
    });
    const impact = await startImpactSandbox({ host: opts.host, port: opts.impactPort, clockSpeed: opts.clockSpeed, rateLimits: opts.rateLimit.impact });
    const dir = path.resolve(opts.configs);
    const today = new Date();
    const addeparFiles = writeSandboxFiles(dir, 'addepar', addeparExampleConfig(addepar, today));
    const impactFiles = writeSandboxFiles(dir, 'impact', impactExampleConfig(impact, today));
    // Paths as the person typed them (relative stays relative), so the printed commands can be pasted.
    const shown = (file: string): string => path.join(opts.configs, path.basename(file));
    console.log(`Addepar API:    ${addepar.url}  (file host ${addepar.fileHostUrl})`);
    console.log(`impact.com API: ${impact.url}  (file host ${impact.fileHostUrl})`);
    console.log(`configs:        ${shown(addeparFiles.config)}  ${shown(impactFiles.config)}`);
    console.log(`catalogs:       ${[addeparFiles.configuredCatalog, addeparFiles.singerCatalog, impactFiles.configuredCatalog, impactFiles.singerCatalog].map(shown).join('  ')}`);
    const limits = addepar.rateLimits;
    console.log(
      `rate limits:    ${limits === undefined ? 'Addepar off' : `Addepar ${limits.requestsPerWindow} per ${limits.windowMs / 1000} s and ${limits.requestsPerDay} per day`}; ` +
        `${impact.rateLimits === undefined ? 'impact.com off' : `impact.com ${impact.rateLimits.requestsPerHour} per hour, ${impact.rateLimits.reportExportsPerDay} ReportExport calls per day`}` +
        ` (sandbox clock ×${opts.clockSpeed}${opts.clockSpeed === 1 ? '; try --clock-speed 60 to live through a 15-minute window in 15 s' : ''})`,
    );
    console.log(`try:            source-addepar read --config ${shown(addeparFiles.config)} --catalog ${shown(addeparFiles.configuredCatalog)} > addepar-run-1.jsonl`);
    console.log(`                tap-impact --config ${shown(impactFiles.config)} --catalog ${shown(impactFiles.singerCatalog)} > impact-singer-1.jsonl`);
    console.log('ready (Ctrl-C to stop)');
    const stop = (): void => {
      void Promise.all([addepar.close(), impact.close()]).then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // The simulators unref their sockets (tests must not hang on them); this keeps the server process up.
    setInterval(() => undefined, 1 << 30);
  });

await program.parseAsync(process.argv);
