#!/usr/bin/env node
/**
 * Runs the Addepar sandbox as a local server until interrupted:
 *   node dist/src/sandbox/addepar/main.js [--port N] [--host H] [--redirect-downloads] [--ms-per-stage N (default 100)]
 * Prints one JSON line with the API URL and a ready connector config, then serves on loopback.
 */
import { addeparSandboxConfig } from './demo.js';
import { startAddeparSandbox } from './sandbox.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const port = Number(arg('--port') ?? 0);
// Jobs also advance with time (not only when polled), so jobs launched ahead finish in parallel.
const msPerStage = Number(arg('--ms-per-stage') ?? 100);
const sandbox = await startAddeparSandbox({
  port,
  host: arg('--host') ?? '127.0.0.1',
  redirectDownloads: process.argv.includes('--redirect-downloads'),
  progression: { pollsPerStage: 1, msPerStage },
});
process.stdout.write(`${JSON.stringify({ vendor: 'addepar', url: sandbox.url, fileHostUrl: sandbox.fileHostUrl, config: addeparSandboxConfig(sandbox) })}\n`);
// The servers are unref'ed so tests never hang on them; a standalone sandbox keeps itself alive.
const keepAlive = setInterval(() => undefined, 1 << 30);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    clearInterval(keepAlive);
    void sandbox.close().then(() => process.exit(0));
  });
}
