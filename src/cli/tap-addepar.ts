#!/usr/bin/env node
import { runSinger } from './run-singer.js';
import { addeparSource } from '../vendors/addepar/source.js';
await runSinger(addeparSource, process.argv);
