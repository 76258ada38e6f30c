/**
 * The Node options jobtap's connectors should run with, set where jobtap controls how they start:
 * the Docker image (ENV NODE_OPTIONS, for Airbyte) and the generated meltano.yml (each tap's `env`).
 *
 * A 1 MiB young generation keeps a long read's memory flat: under the allocation rate of a download
 * V8 grows it to 16 MiB, and that was the growth of peak RSS from 100k to 1M rows (measured in
 * bench/README.md, "Throughput of the CLI"); reads were no slower. The bins' shebang stays
 * `#!/usr/bin/env node`: `env -S` for options is missing from BusyBox (Alpine), and options set on
 * the command line could not be overridden through NODE_OPTIONS.
 */
export const CONNECTOR_NODE_OPTIONS = '--max-semi-space-size=1';
