/**
 * The result reader: one download of a completed job's result becomes records. It spools the body
 * to disk first when the vendor cancels long requests, parses it as a stream, skips the rows
 * already emitted from this job (a resumed sync, or a download that broke off), and counts each
 * batch before yielding it so a checkpoint taken meanwhile is exact.
 */
import { Transform, pipeline, type TransformCallback } from 'node:stream';
import { SystemError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { EncodedRecords, Row, StreamEvent } from '../core/source.js';
import { rowFactory, runsRowCount, sliceRuns, type CellBatch, type ParsedBatch } from '../formats/index.js';
import type { ParseOptions, RawRow, ResultBody } from '../formats/types.js';
import type { JobTracker, SliceRun } from './job-tracker.js';
import type { JobProgress } from './progress.js';
import { spoolBody } from './spool.js';
import type { JobSlice } from './types.js';

export interface RecordContext {
  jobId: string;
  /** 1-based number, within the job's result, of the first row of the batch (header not counted). */
  firstRowNumber: number;
}

export interface ResultReaderOptions<P> {
  /** Stream name, for the warning about an empty result file. */
  name: string;
  logger: Logger;
  parse(body: ResultBody, options: ParseOptions): AsyncIterable<RawRow[]>;
  toRecords(rows: RawRow[], slice: JobSlice<P>, ctx: RecordContext): Row[];
  /**
   * The fast path, when the read writes encoded records: CSV/TSV/JSON results parsed as cells and
   * written as JSON records by the stream (or, when it declines a batch, typed by toRecords).
   */
  encoded?: {
    parse(body: ResultBody, options: ParseOptions & { cells: boolean }): AsyncIterable<ParsedBatch>;
    /** The records of a batch's rows, given as runs of cells (each run one header). */
    toEncodedRecords(runs: readonly CellBatch[], slice: JobSlice<P>, ctx: RecordContext): EncodedRecords | undefined;
  };
  /** Download the whole body to a temporary file before parsing (XLSX spools itself). */
  spool: boolean;
  onInvalidUtf8: 'windows-1252' | 'fail';
}

async function* asRowBatches(rows: AsyncIterable<RawRow[]>): AsyncGenerator<ParsedBatch> {
  for await (const batch of rows) yield { kind: 'rows', rows: batch };
}

/** Counts bytes flowing from the download to the parser, for progress lines. */
function countingStream(onBytes: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
}

export class ResultReader<P> {
  constructor(
    private readonly options: ResultReaderOptions<P>,
    private readonly tracker: JobTracker<P>,
  ) {}

  /** Parses one download of the slice's result and yields its records, skipping rows already emitted. */
  async *read(download: ResultBody, run: SliceRun<P>, progress: JobProgress): AsyncGenerator<StreamEvent> {
    const body = this.options.spool && run.slice.parse.format !== 'xlsx' ? await spoolBody(download) : download;
    const job = this.tracker.job(run.slice.key)!;
    const skip = job.emitted;
    const counted = countingStream((n) => progress.addBytes(n));
    // pipeline forwards a download error (truncation, reset) into the stream the parser reads.
    pipeline(body.stream, counted, () => undefined);
    let rowIndex = 0;
    try {
      const parseOptions = { ...run.slice.parse, onInvalidUtf8: this.options.onInvalidUtf8, onWarning: (m: string) => this.options.logger.warn(`${this.options.name}: ${m}`) };
      const encoded = this.options.encoded;
      const batches: AsyncIterable<ParsedBatch> =
        encoded === undefined ? asRowBatches(this.options.parse({ ...body, stream: counted }, parseOptions)) : encoded.parse({ ...body, stream: counted }, { ...parseOptions, cells: true });
      let makeRow: { header: readonly string[]; make: (fields: readonly unknown[]) => RawRow } | undefined;
      for await (const batch of batches) {
        const size = batch.kind === 'rows' ? batch.rows.length : runsRowCount(batch.cells);
        const batchStart = rowIndex;
        rowIndex += size;
        if (rowIndex <= skip) continue;
        const from = batchStart < skip ? skip - batchStart : 0;
        const firstRowNumber = Math.max(batchStart, skip) + 1;
        const ctx = { jobId: job.jobId, firstRowNumber };
        let event: StreamEvent;
        let count: number;
        if (batch.kind === 'cells') {
          const runs = sliceRuns(batch.cells, from);
          const written = encoded!.toEncodedRecords(runs, run.slice, ctx);
          if (written !== undefined) {
            event = { type: 'encoded-records', records: written };
            count = written.count;
          } else {
            const rows = runs.flatMap((cells) => {
              if (makeRow?.header !== cells.header) makeRow = { header: cells.header, make: rowFactory(cells.header) };
              return cells.rawRows(makeRow.make);
            });
            const records = this.options.toRecords(rows, run.slice, ctx);
            event = { type: 'records', records };
            count = records.length;
          }
        } else {
          const records = this.options.toRecords(from > 0 ? batch.rows.slice(from) : batch.rows, run.slice, ctx);
          event = { type: 'records', records };
          count = records.length;
        }
        // Counted before the yield: the read loop may checkpoint while we are suspended there.
        job.emitted += size - from;
        progress.addRecords(count);
        if (count > 0) yield event;
        progress.transfer();
      }
    } finally {
      body.stream.destroy();
      download.stream.destroy();
      counted.destroy();
    }
    if (progress.bytes === 0 && rowIndex === 0) {
      // A tabular result without even a header row: zero records, but never in silence.
      this.options.logger.warn(
        `${this.options.name}: job ${job.jobId} (slice ${run.slice.key}): the result file ${download.fileName} is empty (0 bytes, not even a header row); 0 records`,
      );
    }
    if (rowIndex < skip) {
      throw new SystemError(
        `The result of job ${job.jobId} for slice ${run.slice.key} has ${rowIndex} rows, but ${skip} were already emitted from it; the vendor changed a finished result`,
      );
    }
  }
}
