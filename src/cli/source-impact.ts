#!/usr/bin/env node
import { runAirbyte } from './run-airbyte.js';
import { impactSource } from '../vendors/impact/source.js';

await runAirbyte(impactSource, process.argv);
