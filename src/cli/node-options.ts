/**
 * The Node options jobtap's connectors should run with, set where jobtap controls how they start:
 * the Docker image (ENV NODE_OPTIONS, for Airbyte) and the generated meltano.yml (each tap's `env`).
 *
 * A 1 MiB young generation keeps a long read's memory flat: under the allocation rate of a download
 * V8 grows it to 16 MiB, and that was the growth of peak RSS from 100k to 1M rows (measured in
 * bench/README.md, "Throughput of the CLI"); reads were no slower. An old-generation limit of
 * 1.5 GB (Node's default here is ~4 GB) makes V8 grow the heap by a smaller factor after each full
 * collection, which keeps an XLSX read flat (pipeline 91 → 92–96 MB from 20k to 200k rows, against
 * 105 → 130–134 MB; ~8 % slower, 4 interleaved runs; 2047 MB gave 100–107 MB at ~3 %; CSV and JSON
 * unchanged) and still leaves room for the largest shared-strings table the XLSX reader accepts
 * (256M characters). The bins' shebang stays
 * `#!/usr/bin/env node`: `env -S` for options is missing from BusyBox (Alpine), and options set on
 * the command line could not be overridden through NODE_OPTIONS.
 */
export const CONNECTOR_NODE_OPTIONS = '--max-semi-space-size=1 --max-old-space-size=1536';
