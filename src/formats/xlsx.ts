/**
 * XLSX result files → raw rows with exceljs's streaming WorkbookReader (the workbook is never loaded
 * whole; exceljs parks a worksheet in a temp file only when the zip stores it before the shared strings).
 *
 * Policy:
 * - Sheet: `sheetName` when given (a missing sheet is an error listing the sheets seen), else the
 *   first sheet in workbook order.
 * - Header row: among the first HEADER_SCAN_ROWS non-blank rows, the first whose non-empty cells are
 *   all text and number at least half of the widest row's (and at least two, unless the table has one
 *   column); so single-cell title rows ("Portfolio report", often merged across the table) and blank
 *   leading rows are skipped. Rows above it are dropped.
 * - Columns span the header's first to last non-empty cell; empty header cells become `column_<n>`
 *   (n = the sheet column number), duplicates are deduplicated (dedupeHeaderNames). A value outside
 *   the header's span is kept under `column_<n>` rather than dropped.
 * - Values: numbers as numbers, text as text (rich text joined), booleans, dates as ISO text
 *   ("YYYY-MM-DD" at midnight, else "YYYY-MM-DDTHH:MM:SS.sssZ"; Excel wall-clock time read as UTC),
 *   formulas as their cached result, hyperlinks as their text, error values (#N/A...) and empty
 *   cells as null. Merged ranges hold their value in the top-left cell only; the others are null.
 * - Blank rows are skipped.
 */
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { RawRow } from './types.js';
import { ConnectorError } from '../core/errors.js';
import { FileFormatError } from './errors.js';
import { dedupeHeaderNames } from './normalise.js';
import { excelDateToIso } from './cells.js';
import { setOwn } from './json-values.js';

export interface XlsxOptions {
  fileName: string;
  sheetName?: string;
  batchSize: number;
}

export const HEADER_SCAN_ROWS = 10;

/** A sheet row as sparse cells: index = sheet column number (1-based). */
type SheetCells = unknown[];

export async function* parseXlsxRows(chunks: AsyncIterable<Buffer>, options: XlsxOptions): AsyncGenerator<RawRow[]> {
  const { fileName, sheetName, batchSize } = options;
  let sourceError: unknown;
  // exceljs waits forever for the rest of a truncated zip; a source that ends without the zip's
  // end-of-central-directory record trips this wire, which every wait on exceljs is guarded by.
  const truncated = new Tripwire();
  const watched = watchSource(chunks, {
    onError: (err) => (sourceError = err),
    onEnd: (complete) => {
      if (!complete) truncated.trip(new FileFormatError(fileName, 'XLSX file is truncated: the zip has no end-of-central-directory record'));
    },
  });
  const source = Readable.from(watched, { objectMode: false });
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    sharedStrings: 'cache',
    styles: 'cache', // needed to tell dates from numbers
    hyperlinks: 'ignore',
    worksheets: 'emit',
    entries: 'ignore',
  });
  const seenSheets: string[] = [];
  let found = false;
  try {
    for await (const worksheet of guarded(reader as unknown as AsyncIterable<ExcelJS.stream.xlsx.WorksheetReader>, truncated)) {
      const name = (worksheet as unknown as { name?: string }).name ?? '';
      seenSheets.push(name);
      if (!isWantedSheet(reader, name, sheetName, seenSheets.length === 1)) continue;
      found = true;
      yield* sheetRows(guarded(rowGroups(worksheet), truncated), batchSize);
      break;
    }
  } catch (err) {
    if (sourceError !== undefined) throw sourceError;
    if (err instanceof ConnectorError) throw err;
    throw new FileFormatError(fileName, `cannot read XLSX (corrupt or truncated file?): ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    source.destroy();
  }
  if (sourceError !== undefined) throw sourceError;
  if (!found) {
    throw new FileFormatError(
      fileName,
      sheetName === undefined
        ? 'XLSX workbook has no worksheet'
        : `XLSX workbook has no sheet named ${JSON.stringify(sheetName)} (sheets: ${seenSheets.map((s) => JSON.stringify(s)).join(', ') || 'none'})`,
    );
  }
}

/** The zip end-of-central-directory record: signature + 18 bytes + a comment of up to 65535 bytes. */
const EOCD_SIGNATURE = Buffer.from([0x50, 0x4b, 0x05, 0x06]);
const EOCD_WINDOW = 22 + 0xffff;

/** Passes the bytes through, remembering the tail to tell a complete zip from a truncated one. */
async function* watchSource(
  chunks: AsyncIterable<Buffer>,
  on: { onError(err: unknown): void; onEnd(complete: boolean): void },
): AsyncGenerator<Buffer> {
  let tail = Buffer.alloc(0);
  try {
    for await (const chunk of chunks) {
      tail = tail.length + chunk.length <= EOCD_WINDOW ? Buffer.concat([tail, chunk]) : Buffer.concat([tail, chunk]).subarray(-EOCD_WINDOW);
      yield chunk;
    }
  } catch (err) {
    on.onError(err);
    throw err;
  }
  const at = tail.lastIndexOf(EOCD_SIGNATURE);
  on.onEnd(at >= 0 && at + 22 <= tail.length);
}

/**
 * A trip wire for waits on exceljs: once tripped, every pending and future wait rejects. Waiters
 * are registered per step and removed when the step settles, so nothing accumulates per row
 * (racing each step against one never-settling promise would keep every step alive).
 */
class Tripwire {
  private error: unknown;
  private readonly waiters = new Set<(err: unknown) => void>();

  trip(err: unknown): void {
    if (this.error !== undefined) return;
    this.error = err;
    for (const reject of this.waiters) reject(err);
    this.waiters.clear();
  }

  get tripped(): boolean {
    return this.error !== undefined;
  }

  wait<T>(step: Promise<T>): Promise<T> {
    if (this.error !== undefined) return Promise.reject(this.error);
    return new Promise<T>((resolve, reject) => {
      this.waiters.add(reject);
      step.then(
        (value) => {
          this.waiters.delete(reject);
          resolve(value);
        },
        (err: unknown) => {
          this.waiters.delete(reject);
          reject(err);
        },
      );
    });
  }
}

/**
 * Iterates with every step guarded by the trip wire. When it trips, exceljs's pending step is
 * abandoned (awaiting its return() would hang too); its input stream is destroyed by then.
 */
async function* guarded<T>(iterable: AsyncIterable<T>, wire: Tripwire): AsyncGenerator<T> {
  const it = iterable[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      const step = await wire.wait(it.next());
      if (step.done === true) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } finally {
    if (!finished && !wire.tripped) await it.return?.();
  }
}

function isWantedSheet(reader: unknown, name: string, wanted: string | undefined, isFirstSeen: boolean): boolean {
  if (wanted !== undefined) return name === wanted;
  // exceljs keeps workbook.xml's sheet list (workbook order) on the reader's model; it is internal, hence the cast.
  const sheets = (reader as { model?: { sheets?: { name?: string }[] } }).model?.sheets;
  const first = sheets?.[0]?.name;
  return first === undefined ? isFirstSeen : name === first;
}

/**
 * The sheet's rows in the groups exceljs parses them (one group per chunk of sheet XML). The
 * reader's row-by-row iterator costs several promise turns per row; its `parse()` generator (a
 * public method the typings leave out) yields the same rows as event arrays, one await per group.
 */
async function* rowGroups(worksheet: unknown): AsyncGenerator<ExcelJS.Row[]> {
  const reader = worksheet as { parse(): AsyncIterable<{ eventType: string; value: unknown }[]> };
  for await (const events of reader.parse()) {
    const rows: ExcelJS.Row[] = [];
    for (const event of events) if (event.eventType === 'row') rows.push(event.value as ExcelJS.Row);
    if (rows.length > 0) yield rows;
  }
}

async function* sheetRows(groups: AsyncIterable<ExcelJS.Row[]>, batchSize: number): AsyncGenerator<RawRow[]> {
  const scan: SheetCells[] = [];
  let layout: Layout | undefined;
  let batch: RawRow[] = [];
  for await (const group of groups) for (const row of group) {
    const cells = cellsOf(row);
    if (cells === undefined) continue;
    if (layout === undefined) {
      scan.push(cells);
      if (scan.length < HEADER_SCAN_ROWS) continue;
      layout = chooseHeader(scan);
      for (const r of rowsAfterHeader(scan.splice(0), layout)) batch.push(layout.toRow(r));
    } else {
      batch.push(layout.toRow(cells));
    }
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (layout === undefined && scan.length > 0) {
    layout = chooseHeader(scan);
    for (const r of rowsAfterHeader(scan, layout)) batch.push(layout.toRow(r));
  }
  for (let i = 0; i < batch.length; i += batchSize) yield batch.slice(i, i + batchSize);
}

/**
 * A function building a row from sheet cells, generated as an object literal for the header's names
 * (one hidden class for all rows, no keyed stores; names enter the source as JSON.stringify string
 * literals). A "__proto__" header gets the defining loop instead, as a literal would set the prototype.
 */
function rowBuilder(names: string[], firstColumn: number): (cells: SheetCells) => RawRow {
  if (names.includes('__proto__') || names.length > 500) {
    return (cells) => {
      const row: RawRow = {};
      for (let i = 0; i < names.length; i++) setOwn(row, names[i], cells[firstColumn + i] ?? null);
      return row;
    };
  }
  const literal = names.map((name, i) => `${JSON.stringify(name)}: c[${firstColumn + i}] ?? null`).join(', ');
  return new Function('c', `return { ${literal} };`) as (cells: SheetCells) => RawRow;
}

/** Rows above the header (titles, notes) are not data. */
function rowsAfterHeader(scan: SheetCells[], layout: Layout): SheetCells[] {
  return scan.slice(scan.indexOf(layout.headerCells) + 1);
}

/** The row's cell values by column number, converted; undefined for a blank row. */
function cellsOf(row: ExcelJS.Row): SheetCells | undefined {
  const values = row.values as unknown[];
  let any = false;
  const cells: SheetCells = [];
  for (let col = 1; col < values.length; col++) {
    const v = cellValue(values[col]);
    if (v !== null) {
      cells[col] = v;
      any = true;
    }
  }
  return any ? cells : undefined;
}

/** exceljs cell value → raw value. */
export function cellValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'string':
    case 'boolean':
      return v;
    case 'object': {
      if (v instanceof Date) return excelDateToIso(v) ?? null;
      const o = v as Record<string, unknown>;
      if (Array.isArray(o.richText)) return (o.richText as { text?: string }[]).map((r) => r.text ?? '').join('');
      if ('formula' in o || 'sharedFormula' in o) return cellValue(o.result);
      if ('error' in o) return null;
      if (typeof o.text === 'string') return o.text;
      if (typeof o.text === 'object') return cellValue(o.text);
      return null;
    }
    default:
      return null;
  }
}

interface Layout {
  headerCells: SheetCells;
  toRow(cells: SheetCells): RawRow;
}

function nonEmptyBefore(cells: SheetCells, col: number): boolean {
  for (let c = 1; c < col && c < cells.length; c++) if (cells[c] !== undefined) return true;
  return false;
}

function nonEmptyCount(cells: SheetCells): number {
  let n = 0;
  for (const c of cells) if (c !== undefined) n++;
  return n;
}

function chooseHeader(scan: SheetCells[]): Layout {
  const widest = Math.max(...scan.map(nonEmptyCount));
  const header =
    scan.find((cells) => {
      const filled = cells.filter((c) => c !== undefined);
      return filled.length * 2 >= widest && filled.length >= Math.min(2, widest) && filled.every((c) => typeof c === 'string');
    }) ?? scan[0];
  let first = Infinity;
  let last = 0;
  header.forEach((c, col) => {
    if (c !== undefined) {
      first = Math.min(first, col);
      last = Math.max(last, col);
    }
  });
  const rawNames: string[] = [];
  for (let col = first; col <= last; col++) {
    const c = header[col];
    rawNames.push(c === undefined || String(c).trim() === '' ? `column_${col}` : String(c));
  }
  const names = dedupeHeaderNames(rawNames);
  const extraName = (col: number): string => {
    const base = `column_${col}`;
    let name = base;
    for (let n = 2; names.includes(name); n++) name = `${base}_${n}`;
    return name;
  };
  const build = rowBuilder(names, first);
  return {
    headerCells: header,
    toRow(cells) {
      const row = build(cells);
      if (cells.length > last + 1 || nonEmptyBefore(cells, first)) {
        cells.forEach((v, col) => {
          if (v !== undefined && (col < first || col > last)) setOwn(row, extraName(col), v);
        });
      }
      return row;
    },
  };
}
