/**
 * The measurements, each run in its own child process (so peak RSS belongs to one measurement):
 *   cat       — `cat file > /dev/null`: the disk/page-cache floor (timed by the parent).
 *   library   — the plain library loop without jobtap: papaparse for CSV/TSV, stream-json
 *               parser + streamArray for JSON, exceljs WorkbookReader for XLSX.
 *   parse     — jobtap's scan as the CLI reads (parseResultBatches with cells; XLSX rows).
 *   pipeline  — the CLI's read path in process: cells written as records from the file's bytes
 *               (rows typed as objects for XLSX) → Airbyte RECORD lines into /dev/null.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import Papa from 'papaparse';
import ExcelJS from 'exceljs';
import { parserStream as jsonTokenizer } from 'stream-json';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { createCellRowWriter, createRowTyper, encodeEnvelopedRows, parseResultBatches, runsRowCount } from '../src/formats/index.js';
import type { CellRowWriter, ResultFormat, Row } from '../src/formats/index.js';
import { ColumnTyping } from '../src/formats/typer.js';
import { AirbyteWriter } from '../src/protocol/airbyte-writer.js';
import { LineWriter } from '../src/protocol/line-writer.js';
import { SCHEMA } from './data.js';

export type Measure = 'library' | 'parse' | 'pipeline';

export interface ChildResult {
  rows: number;
  /** Wall-clock time. */
  ms: number;
  /** CPU time (user + system) of the process: robust when other work shares the cores. */
  cpuMs: number;
  maxRssMB: number;
}

function body(file: string) {
  return { stream: createReadStream(file, { highWaterMark: 64 * 1024 }), fileName: basename(file) };
}

async function library(format: ResultFormat, file: string): Promise<number> {
  if (format === 'csv' || format === 'tsv') {
    let rows = 0;
    await new Promise<void>((resolve, reject) => {
      Papa.parse(createReadStream(file), {
        delimiter: format === 'csv' ? ',' : '\t',
        chunk: (results: Papa.ParseResult<unknown>) => {
          rows += results.data.length;
        },
        complete: () => resolve(),
        error: (err: Error) => reject(err),
      });
    });
    return rows - 1; // header
  }
  if (format === 'json') {
    let rows = 0;
    await pipeline(
      createReadStream(file),
      jsonTokenizer(),
      streamArray.asStream(),
      new Writable({
        objectMode: true,
        write(_item, _enc, done) {
          rows++;
          done();
        },
      }),
    );
    return rows;
  }
  let rows = 0;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(createReadStream(file), { sharedStrings: 'cache', styles: 'cache' });
  for await (const sheet of reader) {
    for await (const _row of sheet) rows++;
    break;
  }
  return rows - 1;
}

/** The scan the CLI's read path does (cells for CSV/TSV/JSON, rows for XLSX), counting rows. */
async function parseOnly(format: ResultFormat, file: string): Promise<number> {
  let rows = 0;
  for await (const batch of parseResultBatches(body(file), { format, jsonLayout: 'array', cells: true })) {
    rows += batch.kind === 'rows' ? batch.rows.length : runsRowCount(batch.cells);
  }
  return rows;
}

/** Records as the CLI writes them for impact.com results: the row's number and the typed row. */
const ENVELOPE = { fields: [], rowNumberKey: 'row_number', dataKey: 'data' } as const;

/**
 * The read path of the CLI, in process: CSV/TSV/JSON parsed as cells and written as records from the
 * file's bytes (parseResultBatches + createCellRowWriter + encodeEnvelopedRows, output buffers
 * reused as the read loop releases them), XLSX typed as rows; Airbyte RECORD lines into /dev/null.
 */
async function fullPipeline(format: ResultFormat, file: string): Promise<number> {
  const out = createWriteStream('/dev/null');
  const lines = new LineWriter(out);
  const writer = new AirbyteWriter(lines);
  const options = { schema: SCHEMA, onCastError: 'fail', fileName: basename(file) } as const;
  const typing = new ColumnTyping(options);
  const typer = createRowTyper(options, typing);
  const writers = new Map<readonly string[], CellRowWriter>();
  let spare: Buffer | undefined;
  let rows = 0;
  for await (const batch of parseResultBatches(body(file), { format, jsonLayout: 'array', cells: true })) {
    let wait: Promise<void> | undefined;
    if (batch.kind === 'rows') {
      const records: Row[] = new Array<Row>(batch.rows.length);
      for (let i = 0; i < batch.rows.length; i++) records[i] = { row_number: rows + i + 1, data: typer.type(batch.rows[i], rows + i + 1) };
      rows += batch.rows.length;
      wait = writer.records('holdings', records);
    } else {
      for (const run of batch.cells) {
        let cells = writers.get(run.header);
        if (cells === undefined) {
          cells = createCellRowWriter({ ...options, header: run.header, typing });
          if (cells === undefined) throw new Error('the bench header has no cell writer');
          writers.set(run.header, cells);
        }
        const written = encodeEnvelopedRows(run, cells, ENVELOPE, rows + 1, spare);
        spare = undefined;
        rows += run.rowCount;
        wait = writer.encodedRecords('holdings', written);
        spare = written.buffer; // the line writer copied the lines
      }
    }
    if (wait !== undefined) await wait;
  }
  await lines.flush();
  out.end();
  await once(out, 'finish');
  return rows;
}

export async function runChild(measure: Measure, format: ResultFormat, file: string): Promise<ChildResult> {
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  const rows =
    measure === 'library' ? await library(format, file) : measure === 'parse' ? await parseOnly(format, file) : await fullPipeline(format, file);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  return { rows, ms, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB: process.resourceUsage().maxRSS / 1024 };
}
