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
import { createRowTyper, type RowTyper } from '../../formats/typer.js';
import type { CastErrorPolicy, RawRow } from '../../formats/types.js';
import type { Logger } from '../../core/logger.js';

/** The fields a record carries before the row number; the typed row goes under "data", last. */
export type EnvelopeFields = readonly (readonly [string, unknown])[];

/** A record as an object, keys in the envelope's order (as encode writes them). */
export function envelopedRecord(fields: EnvelopeFields, rowNumber: number, data: Row): Row {
  return Object.fromEntries([...fields, ['row_number', rowNumber], ['data', data]]) as Row;
}

function envelopeOf(fields: EnvelopeFields): RecordEnvelope {
  return { fields, rowNumberKey: 'row_number', dataKey: 'data' };
}

export class FileRowTyper {
  private typer: RowTyper | undefined;
  /** The cell writer for the file's header; null when the writer cannot reproduce its rows. */
  private writer: CellRowWriter | null | undefined;
  private schema: JsonSchema | undefined;
  private reportedFailures = 0;

  constructor(
    private readonly fileName: string,
    private readonly onCastError: CastErrorPolicy,
  ) {}

  /** Types a batch whose first row is row `firstRowNumber` (1-based) of the file. */
  type(rows: RawRow[], firstRowNumber: number): Row[] {
    if (rows.length === 0) return [];
    this.schema ??= inferSchema(rows);
    this.typer ??= createRowTyper({ schema: this.schema, onCastError: this.onCastError, fileName: this.fileName });
    const typer = this.typer;
    return rows.map((row, i) => typer.type(row, firstRowNumber + i));
  }

  /** The records of a batch, each row typed under `fields`. */
  toRecords(rows: RawRow[], firstRowNumber: number, fields: EnvelopeFields): Row[] {
    return this.type(rows, firstRowNumber).map((data, i) => envelopedRecord(fields, firstRowNumber + i, data));
  }

  /**
   * The same records written as JSON from the cells, the schema inferred from the same first rows;
   * undefined when the file's rows must be typed as objects (toRecords) instead.
   */
  encode(cells: CellBatch, firstRowNumber: number, fields: EnvelopeFields): EncodedRecords | undefined {
    if (this.writer === undefined) {
      if (this.typer !== undefined) return undefined; // the file is being typed as objects
      if (cells.rowCount === 0) return { count: 0, bytes: new Uint8Array(0), ends: new Uint32Array(0) };
      this.schema ??= inferSchema(cells.rawRows(rowFactory(cells.header)));
      this.writer = createCellRowWriter({ schema: this.schema, onCastError: this.onCastError, fileName: this.fileName, header: cells.header }) ?? null;
    }
    if (this.writer === null) return undefined;
    return encodeEnvelopedRows(cells, this.writer, envelopeOf(fields), firstRowNumber);
  }

  /** Logs cells nulled under on_cast_error=null since the last call (once per file, not per cell). */
  reportCastFailures(logger: Logger): void {
    const failures = this.typer?.castFailures ?? this.writer?.castFailures ?? 0;
    if (failures > this.reportedFailures) {
      logger.warn(`${this.fileName}: ${failures - this.reportedFailures} cell(s) did not fit the column type inferred from the first rows and were set to null`);
      this.reportedFailures = failures;
    }
  }
}
