#!/usr/bin/env node
import { runAirbyte } from './run-airbyte.js';
import { addeparSource } from '../vendors/addepar/source.js';
await runAirbyte(addeparSource, process.argv);
