/**
 * Addepar portfolio results → records.
 *
 * Every record of a view or query export has the same frame, whatever the output type:
 *   portfolio_type, portfolio_id, window_start, window_end   where the row comes from
 *   as_of     the last day the figures cover (window_end, or the day a window in progress was read through)
 *   path      node names from the total down, joined with " / " ("Total", "Total / Equity", ...)
 *   depth     0 for the total, 1 for the first grouping level, ...
 *   name      the node's own name
 *   grouping  the grouping attribute key of the node's level (null for the total)
 *   entity_id the node's Addepar entity id (JSON results only; tabular exports do not carry it)
 * followed by one field per column, typed by the stream schema.
 * Primary key: portfolio_id + window_start + window_end + path — the same row re-read in a later
 * sync (lookback, relaunch, resume, the next day's read of a window in progress) has the same key.
 * Two rows of one result with the same key are an error naming both, never merged in silence.
 *
 * JSON results arrive flattened by the formats module (`_path`, `_depth`, `_name`, `_grouping`,
 * `_entity_id` + column keys). CSV/TSV/XLSX results have one column per grouping level (display
 * name of the grouping; ancestors repeated, deeper levels blank; the total is the first row and
 * says "Total" in the first level) and the columns under their display names (or renamed, in the same order).
 */
import { SystemError } from '../../core/errors.js';
import type { JsonSchema } from '../../core/json-schema.js';
import { silentLogger, type Logger } from '../../core/logger.js';
import type { Row } from '../../core/source.js';
// Direct module imports (not formats/index.js) keep exceljs out of spec/check/discover start-up.
import { ColumnNameAllocator, normaliseColumnName } from '../../formats/normalise.js';
import { createRowTyper } from '../../formats/typer.js';
import type { RawRow } from '../../formats/types.js';
import type { DateWindow } from '../../jobs/windows.js';

export const PATH_SEPARATOR = ' / ';
export const TOTAL_NAME = 'Total';

/** Record fields that frame every row; column fields never take these names. */
export const FRAME_FIELDS = ['portfolio_type', 'portfolio_id', 'window_start', 'window_end', 'as_of', 'path', 'depth', 'name', 'grouping', 'entity_id'] as const;

export const PRIMARY_KEY: string[][] = [['portfolio_id'], ['window_start'], ['window_end'], ['path']];
export const CURSOR_FIELD = ['window_end'];

export type FieldType = 'number' | 'integer' | 'string' | 'date' | 'boolean';

export interface ColumnField {
  /** Record field name (normalised, unique). */
  field: string;
  type: FieldType;
  /** Column attribute key: the name in JSON results. */
  key: string;
  /** Header in CSV/TSV/XLSX results. */
  displayName: string;
}

export interface ResultShape {
  columns: ColumnField[];
  groupings: { key: string; displayName: string }[];
}

export interface SliceContext {
  portfolioType: string;
  portfolioId: number;
  /** Calendar bounds of the window (the record keys). */
  window: DateWindow;
  /** The last day the job's figures cover. */
  asOf: string;
}

function fieldSchema(type: FieldType, extra: JsonSchema = {}): JsonSchema {
  switch (type) {
    case 'date':
      return { type: ['null', 'string'], format: 'date', ...extra };
    default:
      return { type: ['null', type], ...extra };
  }
}

/** Assigns unique record field names to columns, never colliding with the frame fields. */
export function allocateFields<T>(items: T[], wanted: (item: T) => string): string[] {
  const allocator = new ColumnNameAllocator();
  for (const f of FRAME_FIELDS) allocator.reserve(f);
  return items.map((item) => allocator.claim(normaliseColumnName(wanted(item))));
}

/** The stream's JSON Schema. */
export function recordSchema(shape: ResultShape, title: string): JsonSchema {
  const properties: Record<string, JsonSchema> = {
    portfolio_type: { type: 'string', description: 'Addepar portfolio type of the job.' },
    portfolio_id: { type: 'integer', description: 'Addepar portfolio id of the job.' },
    window_start: { type: 'string', format: 'date', description: 'First day of the date window (start_date of the job).' },
    window_end: { type: 'string', format: 'date', description: 'Last day of the date window (its calendar end, also while it is in progress); the cursor.' },
    as_of: {
      type: 'string',
      format: 'date',
      description: 'Last day the figures cover (end_date of the job): window_end, or for a window still in progress the day it was read through.',
    },
    path: { type: 'string', description: 'Node names from the total down, joined with " / ".' },
    depth: { type: 'integer', minimum: 0, description: '0 for the total, 1 for the first grouping level, ...' },
    name: { type: 'string', description: "The node's name." },
    grouping: { type: ['null', 'string'], description: 'Grouping attribute key of the level (null for the total).' },
    entity_id: { type: ['null', 'integer'], description: 'Addepar entity id of the node (JSON results only).' },
  };
  for (const c of shape.columns) {
    properties[c.field] = fieldSchema(c.type, { 'x-original-name': c.displayName, 'x-addepar-key': c.key });
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title,
    type: 'object',
    additionalProperties: true,
    required: ['portfolio_type', 'portfolio_id', 'window_start', 'window_end', 'as_of', 'path', 'depth', 'name'],
    properties,
  };
}

/** The schema handed to the row typer: only the columns, under their record field names. */
function typingSchema(shape: ResultShape): JsonSchema {
  const properties: Record<string, JsonSchema> = {};
  for (const c of shape.columns) properties[c.field] = fieldSchema(c.type, { 'x-original-name': c.field });
  return { type: 'object', properties };
}

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  return String(v).trim();
}

function entityIdOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return null;
}

interface Frame {
  path: string;
  depth: number;
  name: string;
  grouping: string | null;
  entity_id: number | null;
  /** Column values under their record field names, not yet typed. */
  values: Record<string, unknown>;
}

function treeFrame(raw: RawRow, shape: ResultShape): Frame {
  const values: Record<string, unknown> = {};
  for (const c of shape.columns) values[c.field] = raw[c.key] ?? null;
  const depth = typeof raw._depth === 'number' ? raw._depth : Number(raw._depth ?? 0);
  return {
    path: text(raw._path),
    depth,
    name: text(raw._name),
    grouping: raw._grouping === null || raw._grouping === undefined ? null : String(raw._grouping),
    entity_id: entityIdOf(raw._entity_id),
    values,
  };
}

/** Which raw key holds each grouping level and each column of a tabular export. */
interface TabularMapping {
  levels: string[];
  columns: string[];
}

/**
 * Headers are matched by name (grouping display names, then column display names). When a
 * header carries names the view definition does not (a view can rename its column headers),
 * the columns are matched by position instead, provided the count agrees; otherwise the file
 * does not belong to this view and that is an error, not a row of nulls.
 */
export function tabularMapping(rawKeys: string[], shape: ResultShape, fileName: string): TabularMapping {
  const levels = shape.groupings.map((g) => g.displayName);
  const columns = shape.columns.map((c) => c.displayName);
  const expected = new Set([...levels, ...columns]);
  const unknown = rawKeys.filter((k) => !expected.has(k));
  if (unknown.length === 0) return { levels, columns };
  if (rawKeys.length === levels.length + columns.length) {
    return { levels: rawKeys.slice(0, levels.length), columns: rawKeys.slice(levels.length) };
  }
  throw new SystemError(
    `${fileName} has the columns ${JSON.stringify(rawKeys)}, which do not match the view's groupings ${JSON.stringify(levels)} and columns ${JSON.stringify(columns)}; ` +
      'the view may have changed since discover (run discover again)',
  );
}

/** @param rowNumber 1-based data row in the file: only the first row can be the total. */
function tabularFrame(raw: RawRow, shape: ResultShape, mapping: TabularMapping, rowNumber: number): Frame {
  const levels = mapping.levels.map((k) => text(raw[k]));
  let depth = 0;
  while (depth < levels.length && levels[depth] !== '') depth++;
  // A first-level group may itself be called "Total"; the total row is the file's first row.
  const isTotal = rowNumber === 1 && depth <= 1 && levels[0] === TOTAL_NAME && levels.slice(1).every((l) => l === '');
  if (isTotal) depth = 0;
  const names = levels.slice(0, depth);
  const values: Record<string, unknown> = {};
  shape.columns.forEach((c, i) => (values[c.field] = raw[mapping.columns[i]!] ?? null));
  return {
    path: [TOTAL_NAME, ...names].join(PATH_SEPARATOR),
    depth,
    name: depth === 0 ? TOTAL_NAME : names[depth - 1]!,
    grouping: depth === 0 ? null : shape.groupings[depth - 1]!.key,
    entity_id: null,
    values,
  };
}

export interface RecordBuilder {
  toRecords(rows: RawRow[], context: SliceContext, job: { jobId: string; firstRowNumber: number }): Row[];
}

/**
 * Builds records from raw rows of one export. `layout` says which of the two result shapes the
 * export produces; a row typer is kept per job (its file name appears in cast errors).
 */
export function createRecordBuilder(
  shape: ResultShape,
  layout: 'tree' | 'tabular',
  onCastError: 'fail' | 'null',
  logger: Logger = silentLogger,
): RecordBuilder {
  const schema = typingSchema(shape);
  let current:
    | { jobId: string; typer: ReturnType<typeof createRowTyper>; mapping?: TabularMapping; reportedFailures: number; rowOfPath: Map<string, number> }
    | undefined;
  return {
    toRecords(rows, context, job) {
      const fileName = `Addepar job ${job.jobId} result`;
      if (current?.jobId !== job.jobId) current = { jobId: job.jobId, typer: createRowTyper({ schema, onCastError, fileName }), reportedFailures: 0, rowOfPath: new Map() };
      const state = current;
      const records = rows.map((raw, i) => {
        let frame: Frame;
        if (layout === 'tree') frame = treeFrame(raw, shape);
        else {
          state.mapping ??= tabularMapping(Object.keys(raw), shape, fileName);
          frame = tabularFrame(raw, shape, state.mapping, job.firstRowNumber + i);
        }
        const rowNumber = job.firstRowNumber + i;
        // The path is the only key part that varies within one result: two rows with one path
        // would be one record in a destination that deduplicates by key.
        const first = state.rowOfPath.get(frame.path);
        if (first !== undefined) {
          throw new SystemError(
            `${fileName}, rows ${first} and ${rowNumber}: both have the path "${frame.path}", so they would share one primary key; jobtap does not merge them. Rename one of the two in Addepar, or report the export.`,
          );
        }
        state.rowOfPath.set(frame.path, rowNumber);
        const typed = state.typer.type(frame.values, rowNumber);
        return {
          portfolio_type: context.portfolioType,
          portfolio_id: context.portfolioId,
          window_start: context.window.start,
          window_end: context.window.end,
          as_of: context.asOf,
          path: frame.path,
          depth: frame.depth,
          name: frame.name,
          grouping: frame.grouping,
          entity_id: frame.entity_id,
          ...typed,
        };
      });
      // At most one line per batch: cells emitted as null under on_cast_error=null.
      const failures = state.typer.castFailures;
      if (failures > state.reportedFailures) {
        logger.warn(
          `${fileName}: ${failures - state.reportedFailures} cell(s) in rows ${job.firstRowNumber}-${job.firstRowNumber + rows.length - 1} did not fit their column type and were emitted as null (on_cast_error=null); ${failures} in this result so far`,
        );
        state.reportedFailures = failures;
      }
      return records;
    },
  };
}
