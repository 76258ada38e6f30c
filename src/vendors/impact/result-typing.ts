/**
 * Types the rows of one result file. impact.com result columns depend on the job type and report,
 * and nothing describes them ahead of the download, so each file's column types are inferred from
 * its first batch of rows (the parser's batch: bounded, already in memory) and every row of the
 * file is then cast with that schema. A CSV, a JSON and an XLSX export of the same rows therefore
 * give the same typed values: amounts as numbers, flags as booleans, dates as RFC 3339 text.
 *
 * Records wrap each typed row with the job's (or report window's) fields and the row's number, and
 * are built either as objects (toRecords) or, for CSV/TSV read as cells, written as JSON straight
 * from the file's bytes (encode): both from one field list, so they cannot differ.
 */
import type { EncodedRecords, Row } from '../../core/source.js';
import type { JsonSchema } from '../../core/json-schema.js';
import { createCellRowWriter, encodeEnvelopedRows, rowFactory, type CellBatch, type CellRowWriter, type RecordEnvelope } from '../../formats/index.js';
import { inferSchema } from '../../formats/infer.js';
import { ColumnTyping, createRowTyper, type RowTyper } from '../../formats/typer.js';
import type { CastErrorPolicy, RawRow } from '../../formats/types.js';
import type { Logger } from '../../core/logger.js';

/** The fields a record carries before the row number; the typed row goes under "data", last. */
export type EnvelopeFields = readonly (readonly [string, unknown])[];

type RecordFactory = (values: readonly unknown[], rowNumber: number, data: Row) => Row;
const recordFactories = new Map<string, RecordFactory>();

/**
 * The record object for one field list: an object literal per list (one hidden class, no entry
 * arrays per row; keys only as JSON.stringify literals), or Object.fromEntries for a "__proto__" key.
 */
function recordFactory(fields: EnvelopeFields): RecordFactory {
  const keys = fields.map(([key]) => key);
  const signature = keys.join('\u0000');
  let factory = recordFactories.get(signature);
  if (factory === undefined) {
    if (keys.includes('__proto__') || keys.includes('row_number') || keys.includes('data')) {
      factory = (values, rowNumber, data) => Object.fromEntries([...keys.map((k, i) => [k, values[i]]), ['row_number', rowNumber], ['data', data]]) as Row;
    } else {
      const literal = [...keys.map((k, i) => `${JSON.stringify(k)}: v[${i}]`), '"row_number": n', '"data": d'].join(', ');
      factory = new Function('v', 'n', 'd', `return { ${literal} };`) as RecordFactory;
    }
    if (recordFactories.size >= 64) recordFactories.clear();
    recordFactories.set(signature, factory);
  }
  return factory;
}

function envelopeOf(fields: EnvelopeFields): RecordEnvelope {
  return { fields, rowNumberKey: 'row_number', dataKey: 'data' };
}

/** Cell writers kept per file (one per key list of a JSON file's rows). */
const MAX_WRITERS = 64;

/** Records of consecutive runs as one batch of records. */
function concatEncoded(parts: readonly EncodedRecords[]): EncodedRecords {
  let count = 0;
  for (const part of parts) count += part.count;
  const bytes = Buffer.concat(parts.map((part) => part.bytes));
  const ends = new Uint32Array(count);
  let r = 0;
  let offset = 0;
  for (const part of parts) {
    for (let i = 0; i < part.count; i++) ends[r++] = part.ends[i]! + offset;
    offset += part.bytes.length;
  }
  return { count, bytes, ends };
}

export class FileRowTyper {
  private typer: RowTyper | undefined;
  /** The file's column names and casters, shared by its cell writers and its row typer. */
  private typing: ColumnTyping | undefined;
  /** A cell writer per header (null when the writer cannot reproduce that header's rows). */
  private readonly writers = new Map<readonly string[], CellRowWriter | null>();
  private schema: JsonSchema | undefined;
  private reportedFailures = 0;
  /** The output buffer of the last batch its consumer released, to write the next batch into. */
  private spare: Buffer | undefined;

  constructor(
    private readonly fileName: string,
    private readonly onCastError: CastErrorPolicy,
  ) {}

  private typingOf(schema: JsonSchema): ColumnTyping {
    this.typing ??= new ColumnTyping({ schema, onCastError: this.onCastError, fileName: this.fileName });
    return this.typing;
  }

  /** Types a batch whose first row is row `firstRowNumber` (1-based) of the file. */
  type(rows: RawRow[], firstRowNumber: number): Row[] {
    if (rows.length === 0) return [];
    const schema = (this.schema ??= inferSchema(rows));
    this.typer ??= createRowTyper({ schema, onCastError: this.onCastError, fileName: this.fileName }, this.typingOf(schema));
    const typer = this.typer;
    return rows.map((row, i) => typer.type(row, firstRowNumber + i));
  }

  /** The records of a batch, each row typed under `fields`. */
  toRecords(rows: RawRow[], firstRowNumber: number, fields: EnvelopeFields): Row[] {
    const make = recordFactory(fields);
    const values = fields.map(([, value]) => value);
    return this.type(rows, firstRowNumber).map((data, i) => make(values, firstRowNumber + i, data));
  }

  /**
   * The same records written as JSON from the batch's runs of cells, the schema inferred from the
   * same first rows; undefined when the batch's rows must be typed as objects (toRecords) instead.
   */
  encode(runs: readonly CellBatch[], firstRowNumber: number, fields: EnvelopeFields): EncodedRecords | undefined {
    if (this.typer !== undefined) return undefined; // the file is being typed as objects
    if (this.schema === undefined) {
      const rows = runs.flatMap((run) => run.rawRows(rowFactory(run.header)));
      if (rows.length === 0) return { count: 0, bytes: new Uint8Array(0), ends: new Uint32Array(0) };
      this.schema = inferSchema(rows);
    }
    const schema = this.schema;
    const writers = runs.map((run) => {
      let writer = this.writers.get(run.header);
      if (writer === undefined) {
        // Headers come from the parser, one array per key list (a bounded set), so this map stays small.
        if (this.writers.size >= MAX_WRITERS) this.writers.clear();
        writer = createCellRowWriter({ schema, onCastError: this.onCastError, fileName: this.fileName, header: run.header, typing: this.typingOf(schema) }) ?? null;
        this.writers.set(run.header, writer);
      }
      return writer;
    });
    if (writers.some((w) => w === null)) return undefined;
    const envelope = envelopeOf(fields);
    if (runs.length === 1) {
      // The output buffer of a released batch is written again: no buffer per batch (flat memory).
      const written = encodeEnvelopedRows(runs[0]!, writers[0]!, envelope, firstRowNumber, this.spare);
      this.spare = undefined;
      return { count: written.count, bytes: written.bytes, ends: written.ends, release: () => (this.spare = written.buffer) };
    }
    const parts: EncodedRecords[] = [];
    let rowNumber = firstRowNumber;
    runs.forEach((run, i) => {
      parts.push(encodeEnvelopedRows(run, writers[i]!, envelope, rowNumber));
      rowNumber += run.rowCount;
    });
    return concatEncoded(parts);
  }

  /** Logs cells nulled under on_cast_error=null since the last call (once per file, not per cell). */
  reportCastFailures(logger: Logger): void {
    const failures = this.typing?.castFailures ?? 0;
    if (failures > this.reportedFailures) {
      logger.warn(`${this.fileName}: ${failures - this.reportedFailures} cell(s) did not fit the column type inferred from the first rows and were set to null`);
      this.reportedFailures = failures;
    }
  }
}
