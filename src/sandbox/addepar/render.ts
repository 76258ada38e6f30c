/**
 * Renders one analysis tree in the four output types of the Jobs API, from the same numbers:
 * - CSV/TSV: one row per node (total first, then depth-first), one column per grouping level
 *   (ancestors repeated, deeper levels blank) followed by the columns, values formatted the way
 *   Addepar's exports show them ("$1,234.56", "-$12.00", "12.34%", "1,200", "03/15/2019").
 * - XLSX: the same table with typed cells (numbers with currency/percent formats, real dates),
 *   under title lines (report name, portfolio and period) and a blank row, as spreadsheet reports have.
 * - JSON: the portfolio tree `{meta:{columns,groupings}, data:{type, attributes:{total}}}` with raw values.
 * Everything is produced incrementally so large sandbox datasets stream with back-pressure.
 */
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { columnAttribute, groupingAttribute, walkTree, type AttributeDef, type CellValue, type TreeNode } from './analysis.js';

export type SandboxOutputType = 'CSV' | 'TSV' | 'XLSX' | 'JSON';

export interface RenderInput {
  tree: TreeNode;
  columns: string[];
  groupings: string[];
  /** JSON:API type of the data object, e.g. "portfolio_views". */
  dataType: string;
  /** Lines above the table in spreadsheet exports (report name, portfolio and period). */
  titleLines?: string[];
}

export const CONTENT_TYPES: Record<SandboxOutputType, string> = {
  CSV: 'text/csv; charset=utf-8',
  TSV: 'text/tab-separated-values; charset=utf-8',
  XLSX: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  JSON: 'application/vnd.api+json',
};

export const FILE_EXTENSIONS: Record<SandboxOutputType, string> = { CSV: 'csv', TSV: 'tsv', XLSX: 'xlsx', JSON: 'json' };

function attr(key: string, kind: 'column' | 'grouping'): AttributeDef {
  const a = kind === 'column' ? columnAttribute(key) : groupingAttribute(key);
  if (!a) throw new Error(`unknown ${kind} attribute ${key}`);
  return a;
}

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const plain = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });

/** A cell as Addepar's CSV export shows it. */
export function formatCell(value: CellValue, outputType: AttributeDef['outputType']): string {
  if (value === null) return '';
  switch (outputType) {
    case 'Financial': {
      const v = value as number;
      return `${v < 0 ? '-' : ''}$${money.format(Math.abs(v))}`;
    }
    case 'Percent':
      return `${((value as number) * 100).toFixed(2)}%`;
    case 'Number':
      return plain.format(value as number);
    case 'Date': {
      const [y, m, d] = String(value).split('-');
      return `${m}/${d}/${y}`;
    }
    case 'Word':
      return String(value);
  }
}

function csvField(s: string, delimiter: string): string {
  if (delimiter === '\t') return s.replace(/[\t\r\n]/g, ' ');
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

interface TableRow {
  levels: string[];
  node: TreeNode;
}

function* tableRows(input: RenderInput): Generator<TableRow> {
  for (const { node, path } of walkTree(input.tree)) {
    const levels = input.groupings.map((_, i) => path[i] ?? '');
    if (path.length === 0) levels[0] = node.name;
    yield { levels, node };
  }
}

function headerOf(input: RenderInput): string[] {
  return [...input.groupings.map((g) => attr(g, 'grouping').displayName), ...input.columns.map((c) => attr(c, 'column').displayName)];
}

async function* delimited(input: RenderInput, delimiter: string): AsyncGenerator<string> {
  const cols = input.columns.map((c) => attr(c, 'column'));
  yield headerOf(input).map((h) => csvField(h, delimiter)).join(delimiter) + '\r\n';
  for (const row of tableRows(input)) {
    const cells = [...row.levels, ...cols.map((c) => formatCell(row.node.columns[c.key] ?? null, c.outputType))];
    yield cells.map((s) => csvField(s, delimiter)).join(delimiter) + '\r\n';
  }
}

function jsonNode(node: TreeNode): string {
  const columns: Record<string, CellValue> = {};
  // Addepar leaves null column values out of a node.
  for (const [k, v] of Object.entries(node.columns)) if (v !== null) columns[k] = v;
  const head: Record<string, unknown> = {};
  if (node.entityId !== undefined) head.entity_id = node.entityId;
  head.name = node.name;
  if (node.grouping !== undefined) head.grouping = node.grouping;
  head.columns = columns;
  const text = JSON.stringify(head);
  return text.slice(0, -1);
}

async function* jsonTree(input: RenderInput): AsyncGenerator<string> {
  const meta = {
    columns: input.columns.map((c) => {
      const a = attr(c, 'column');
      return { key: a.key, display_name: a.displayName, output_type: a.outputType };
    }),
    groupings: input.groupings.map((g) => {
      const a = attr(g, 'grouping');
      return { key: a.key, display_name: a.displayName };
    }),
  };
  yield `{"meta":${JSON.stringify(meta)},"data":{"type":${JSON.stringify(input.dataType)},"attributes":{"total":`;
  // An explicit stack keeps memory bounded by depth, not by the number of nodes.
  const stack: { node: TreeNode; next: number }[] = [{ node: input.tree, next: -1 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next === -1) {
      yield `${jsonNode(top.node)},"children":[`;
      top.next = 0;
    }
    if (top.next < top.node.children.length) {
      if (top.next > 0) yield ',';
      stack.push({ node: top.node.children[top.next]!, next: -1 });
      top.next += 1;
    } else {
      yield ']}';
      stack.pop();
    }
  }
  yield `}},"included":[]}`;
}

const XLSX_FORMATS: Record<AttributeDef['outputType'], string | undefined> = {
  Financial: '"$"#,##0.00;-"$"#,##0.00',
  Percent: '0.00%',
  Number: '#,##0.####',
  Date: 'mm/dd/yyyy',
  Word: undefined,
};

function xlsxStream(input: RenderInput): Readable {
  const out = new PassThrough();
  const cols = input.columns.map((c) => attr(c, 'column'));
  void (async () => {
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    const sheet = workbook.addWorksheet('Portfolio');
    const header = headerOf(input);
    for (const line of input.titleLines ?? []) {
      const r = sheet.addRow([line]);
      r.font = { bold: true };
      r.commit();
    }
    if ((input.titleLines ?? []).length > 0) sheet.addRow([]).commit();
    sheet.addRow(header).commit();
    for (const row of tableRows(input)) {
      const values: (string | number | Date | null)[] = [...row.levels.map((l) => (l === '' ? null : l))];
      for (const c of cols) {
        const v = row.node.columns[c.key] ?? null;
        if (v === null) values.push(null);
        else if (c.outputType === 'Date') values.push(new Date(`${String(v)}T00:00:00Z`));
        else values.push(v);
      }
      const r = sheet.addRow(values);
      cols.forEach((c, i) => {
        const fmt = XLSX_FORMATS[c.outputType];
        if (fmt) r.getCell(input.groupings.length + i + 1).numFmt = fmt;
      });
      r.commit();
    }
    sheet.commit();
    await workbook.commit();
  })().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}

/** The result file as a byte stream. */
export function renderResult(input: RenderInput, outputType: SandboxOutputType): Readable {
  switch (outputType) {
    case 'CSV':
      return Readable.from(delimited(input, ','));
    case 'TSV':
      return Readable.from(delimited(input, '\t'));
    case 'JSON':
      return Readable.from(jsonTree(input));
    case 'XLSX':
      return xlsxStream(input);
  }
}
