/**
 * From sheet rows (sparse cells by column number) to raw rows keyed by the header's names.
 *
 * - Header row: among the first HEADER_SCAN_ROWS non-blank rows, the first whose non-empty cells are
 *   all text and number at least half of the widest row's (and at least two, unless the table has one
 *   column); so single-cell title rows ("Portfolio report", often merged across the table) and blank
 *   leading rows are skipped. Rows above it are dropped.
 * - Columns span the header's first to last non-empty cell; empty header cells become `column_<n>`
 *   (n = the sheet column number), duplicates are deduplicated (dedupeHeaderNames). A value outside
 *   the header's span is kept under `column_<n>` rather than dropped.
 */
import type { RawRow } from '../types.js';
import { dedupeHeaderNames } from '../normalise.js';
import { setOwn } from '../json-values.js';
import type { SheetCells } from './sheet-scanner.js';

export const HEADER_SCAN_ROWS = 10;

/** Batches of raw rows from groups of non-blank sheet rows (as the scanner produces them per chunk). */
export async function* sheetRows(groups: AsyncIterable<SheetCells[]>, batchSize: number): AsyncGenerator<RawRow[]> {
  const scan: SheetCells[] = [];
  let layout: Layout | undefined;
  let batch: RawRow[] = [];
  for await (const group of groups) for (const cells of group) {
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
