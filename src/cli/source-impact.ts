#!/usr/bin/env -S node --max-semi-space-size=1
// A 1 MiB young generation keeps a long read's memory flat: V8 grows it to 16 MiB under the
// allocation rate of a download, and the buffers it holds were the growth of peak RSS from 100k to
// 1M rows (measured in bench/README.md, "Memory"); reads were no slower.
import { runAirbyte } from './run-airbyte.js';
import { impactSource } from '../vendors/impact/source.js';

await runAirbyte(impactSource, process.argv);
