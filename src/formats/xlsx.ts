/**
 * XLSX result files → raw rows, with jobtap's own streaming reader (src/formats/xlsx/): exceljs's
 * streaming WorkbookReader topped out near 25k rows/s and ~240 MB RSS on the benchmark's 200k × 20
 * sheet (bench/RESULTS.md), far from the 60k rows/s target, because it builds Row/Cell objects and
 * runs a general SAX parser per cell. exceljs is still used to WRITE workbooks (sandboxes, tests).
 *
 * How a file is read without holding it in memory:
 * 1. the body is spooled to a private temp file (a zip's directory is at its end, and the shared
 *    strings may come after the sheet); the file is unlinked once written and the directory removed
 *    when reading ends in any way (done, error, or the consumer breaking out);
 * 2. the central directory gives the entries; `_rels/.rels` → workbook.xml (+ its rels) gives the
 *    sheets in order, the date system and the styles / shared-strings parts;
 * 3. styles.xml → which style indexes are dates; sharedStrings.xml → the string table (in memory,
 *    inherent to the format);
 * 4. the sheet entry is inflated as a stream and scanned row by row (SheetScanner); rows are turned
 *    into records by the header layout (layout.ts) and yielded in batches, pulled by the consumer.
 *
 * Policy:
 * - Sheet: `sheetName` when given (a missing sheet is an error listing the workbook's sheets), else
 *   the first worksheet in workbook order.
 * - Header row and columns: see layout.ts (titles and blank leading rows skipped; empty header cells
 *   named `column_<n>`; duplicates deduplicated).
 * - Values: see sheet-scanner.ts — numbers as numbers, text as text (rich text joined), booleans,
 *   dates (date-formatted numbers, 1900 or 1904 system) as ISO text ("YYYY-MM-DD" at midnight, else
 *   "YYYY-MM-DDTHH:MM:SS.sssZ"; Excel wall-clock time read as UTC), formulas as their cached result,
 *   error values (#N/A...) and empty cells as null. Merged ranges hold their value in the top-left
 *   cell only; the others are null.
 * - Blank rows are skipped.
 * - A truncated or corrupt zip, a missing part, a malformed sheet: FileFormatError naming the file.
 */
import { StringDecoder } from 'node:string_decoder';
import type { RawRow } from './types.js';
import { FileFormatError } from './errors.js';
import { spoolToTempFile } from './xlsx/spool.js';
import { ZipArchive, type ZipEntry } from './xlsx/zip.js';
import { parseWorkbook, relationshipsPathOf, workbookPathOf, type WorkbookMap, type SheetRef } from './xlsx/workbook.js';
import { parseStyles } from './xlsx/styles.js';
import { SharedStringsScanner, type SharedStrings } from './xlsx/shared-strings.js';
import { SheetScanner, type CellDecoding, type SheetCells } from './xlsx/sheet-scanner.js';
import { sheetRows } from './xlsx/layout.js';

export { HEADER_SCAN_ROWS } from './xlsx/layout.js';

export interface XlsxOptions {
  fileName: string;
  sheetName?: string;
  batchSize: number;
  /** Where the temporary copy of the file goes (a private subdirectory is made); default os.tmpdir(). */
  tempDirectory?: string;
}

/** Caps for the parts read whole: far above real workbooks, low enough to refuse a hostile one. */
const MAX_RELS_BYTES = 16 * 1024 * 1024;
const MAX_WORKBOOK_BYTES = 16 * 1024 * 1024;
const MAX_STYLES_BYTES = 64 * 1024 * 1024;

export async function* parseXlsxRows(chunks: AsyncIterable<Buffer>, options: XlsxOptions): AsyncGenerator<RawRow[]> {
  const { fileName, sheetName, batchSize } = options;
  const fail = (problem: string): never => {
    throw new FileFormatError(fileName, problem);
  };
  // Errors of the body stream itself (network, abort) pass through unchanged.
  const spooled = await spoolToTempFile(chunks, { directory: options.tempDirectory });
  try {
    const archive = await ZipArchive.open(spooled.handle, spooled.size, fileName);
    const book = await readWorkbookMap(archive, fail);
    const sheet = pickSheet(book, sheetName, fail);
    const sheetEntry = archive.entry(sheet.path!) ?? fail(`XLSX sheet ${JSON.stringify(sheet.name)} points to ${sheet.path}, which the zip does not contain`);
    const decoding: CellDecoding = {
      date1904: book.date1904,
      dateStyles: await readDateStyles(archive, book),
      sharedStrings: await readSharedStrings(archive, book, fail),
    };
    yield* sheetRows(scanSheet(archive, sheetEntry, decoding, fail), batchSize);
  } finally {
    await spooled.close();
  }
}

async function readWorkbookMap(archive: ZipArchive, fail: (problem: string) => never): Promise<WorkbookMap> {
  const text = async (entry: ZipEntry | undefined, max: number): Promise<string | undefined> =>
    entry === undefined ? undefined : archive.readText(entry, max);
  const workbookPath = workbookPathOf(await text(archive.entry('_rels/.rels'), MAX_RELS_BYTES));
  const workbookEntry = archive.entry(workbookPath);
  if (workbookEntry === undefined) {
    const names = archive.entries.slice(0, 10).map((e) => e.name);
    fail(`not an XLSX workbook: the zip has no ${workbookPath} (entries: ${names.join(', ') || 'none'}${archive.entries.length > 10 ? ', ...' : ''})`);
  }
  const workbookXml = (await text(workbookEntry, MAX_WORKBOOK_BYTES))!;
  const rels = await text(archive.entry(relationshipsPathOf(workbookPath)), MAX_RELS_BYTES);
  const book = parseWorkbook(workbookXml, rels, workbookPath);
  // Parts missing from the relationships but present under their conventional names are still used.
  const base = workbookPath.slice(0, workbookPath.lastIndexOf('/') + 1);
  book.stylesPath ??= archive.entry(`${base}styles.xml`)?.name;
  book.sharedStringsPath ??= archive.entry(`${base}sharedStrings.xml`)?.name;
  return book;
}

function pickSheet(book: WorkbookMap, sheetName: string | undefined, fail: (problem: string) => never): SheetRef {
  if (sheetName === undefined) {
    return book.sheets.find((s) => s.path !== undefined) ?? fail('XLSX workbook has no worksheet');
  }
  const sheet = book.sheets.find((s) => s.name === sheetName);
  if (sheet === undefined) {
    const names = book.sheets.map((s) => JSON.stringify(s.name)).join(', ') || 'none';
    fail(`XLSX workbook has no sheet named ${JSON.stringify(sheetName)} (sheets: ${names})`);
  }
  return sheet!.path !== undefined ? sheet! : fail(`XLSX sheet ${JSON.stringify(sheetName)} is not a worksheet (a chart sheet?)`);
}

async function readDateStyles(archive: ZipArchive, book: WorkbookMap): Promise<boolean[]> {
  const entry = book.stylesPath === undefined ? undefined : archive.entry(book.stylesPath);
  return entry === undefined ? [] : parseStyles(await archive.readText(entry, MAX_STYLES_BYTES)).dateStyles;
}

async function readSharedStrings(archive: ZipArchive, book: WorkbookMap, fail: (problem: string) => never): Promise<SharedStrings> {
  const entry = book.sharedStringsPath === undefined ? undefined : archive.entry(book.sharedStringsPath);
  if (entry === undefined) return [];
  const scanner = new SharedStringsScanner((problem) => fail(`XLSX ${entry.name}: ${problem}`));
  const decoder = new StringDecoder('utf8');
  for await (const chunk of archive.read(entry)) scanner.push(decoder.write(chunk));
  scanner.push(decoder.end());
  return scanner.end();
}

/** The sheet's non-blank rows, one group per inflated chunk (one await per group, not per row). */
async function* scanSheet(
  archive: ZipArchive,
  entry: ZipEntry,
  decoding: CellDecoding,
  fail: (problem: string) => never,
): AsyncGenerator<SheetCells[]> {
  const scanner = new SheetScanner(decoding, (problem) => fail(`XLSX ${entry.name}: ${problem}`));
  const decoder = new StringDecoder('utf8');
  for await (const chunk of archive.read(entry)) {
    const rows: SheetCells[] = [];
    scanner.push(decoder.write(chunk), rows);
    if (rows.length > 0) yield rows;
  }
  const rows: SheetCells[] = [];
  scanner.push(decoder.end(), rows);
  scanner.end();
  if (rows.length > 0) yield rows;
}
