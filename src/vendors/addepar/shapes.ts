/**
 * The column layout (and so the schema) of an export's results:
 * - portfolio views: from the saved view's definition (GET /v1/portfolio/views/:id), whose
 *   columns carry Addepar output types (Financial, Percent, Number, Date, Word...);
 * - portfolio queries: from the configured columns, typed by the user or by a table of
 *   well-known attributes.
 */
import { ConfigError } from '../../core/errors.js';
import type { AddeparViewDefinition } from './api.js';
import type { QueryColumnConfig, QueryExportConfig } from './config.js';
import { allocateFields, type FieldType, type ResultShape } from './records.js';

/** Addepar output type → field type. Unknown output types stay text, which never fails a cast. */
export function fieldTypeOfOutputType(outputType: string | undefined): FieldType {
  const t = (outputType ?? '').toLowerCase();
  if (/percent|financial|currency|number|numeric|decimal|double|float|quantity|money/.test(t)) return 'number';
  if (/integer|whole/.test(t)) return 'integer';
  if (/date/.test(t) && !/time/.test(t)) return 'date';
  if (/bool/.test(t)) return 'boolean';
  return 'string';
}

const NUMERIC_ATTRIBUTES = new Set([
  'value',
  'adjusted_value',
  'market_value',
  'beginning_value',
  'ending_value',
  'cost_basis',
  'adjusted_cost_basis',
  'unrealized_gain_loss',
  'unrealized_gain',
  'realized_gain_loss',
  'realized_gain',
  'time_weighted_return',
  'money_weighted_return',
  'internal_rate_of_return',
  'irr',
  'weight',
  'percent_of_portfolio',
  'quantity',
  'shares',
  'price',
  'income',
  'total_return',
  'net_cash_flow',
  'contributions',
  'withdrawals',
  'fees',
  'accrued_income',
  'yield',
]);

/** Field type of a query column: the configured one, else known attributes, else string. */
export function fieldTypeOfQueryColumn(column: QueryColumnConfig): FieldType {
  if (column.type) return column.type;
  if (NUMERIC_ATTRIBUTES.has(column.key)) return 'number';
  if (column.key.endsWith('_date')) return 'date';
  return 'string';
}

export function viewShape(view: AddeparViewDefinition): ResultShape {
  const fields = allocateFields(view.columns, (c) => c.display_name);
  return {
    columns: view.columns.map((c, i) => ({
      field: fields[i]!,
      type: fieldTypeOfOutputType(c.output_type),
      key: c.key,
      displayName: c.display_name,
    })),
    groupings: view.groupings.map((g) => ({ key: g.key, displayName: g.display_name })),
  };
}

export function queryShape(query: QueryExportConfig): ResultShape {
  const keys = query.columns.map((c) => c.key);
  const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
  if (duplicate !== undefined) {
    // Addepar keys a result node's columns by attribute key, so two columns with one key would overwrite each other.
    throw new ConfigError(`Query export "${query.name}" lists column "${duplicate}" twice; a result can hold each attribute key once.`);
  }
  const fields = allocateFields(query.columns, (c) => c.name ?? c.key);
  return {
    columns: query.columns.map((c, i) => ({ field: fields[i]!, type: fieldTypeOfQueryColumn(c), key: c.key, displayName: c.name ?? c.key })),
    groupings: query.groupings.map((g) => ({ key: g.key, displayName: g.key })),
  };
}
