#!/usr/bin/env node
import { runSinger } from './run-singer.js';
import { impactSource } from '../vendors/impact/source.js';

await runSinger(impactSource, process.argv);
