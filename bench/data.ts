/**
 * Deterministic benchmark data: a seeded generator of portfolio-export-like rows (20 columns with
 * quotes, commas, embedded newlines, decimals, currency and percent text, dates and empty cells),
 * written as CSV, TSV, a JSON array or XLSX under bench/.data/ (gitignored). Files are reused when
 * they already exist for the same generator version, seed and size.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { JsonSchema } from '../src/core/json-schema.js';
import { prng as rng } from '../src/sandbox/framework/prng.js';

const GENERATOR_VERSION = 1;
export const SEED = 20_260_123;
export const DATA_DIR = join(process.cwd(), 'bench', '.data');

export const COLUMNS = [
  'ID', 'Account', 'Security Name', 'Note', 'As Of', 'Trade Date', 'Updated At', 'Quantity', 'Price',
  'Market Value', 'Cost Basis', 'TWR %', 'Weight', 'Active', 'Currency', 'Asset Class', 'Sector', 'Units',
  'Fee', 'Comment',
] as const;

/** The schema the typed pipeline casts with (property names = normalised column names). */
export const SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    account: { type: ['null', 'string'] },
    security_name: { type: ['null', 'string'] },
    note: { type: ['null', 'string'] },
    as_of: { type: ['null', 'string'], format: 'date' },
    trade_date: { type: ['null', 'string'], format: 'date' },
    updated_at: { type: ['null', 'string'], format: 'date-time' },
    quantity: { type: ['null', 'number'] },
    price: { type: ['null', 'number'] },
    market_value: { type: ['null', 'number'] },
    cost_basis: { type: ['null', 'number'] },
    twr_pct: { type: ['null', 'number'] },
    weight: { type: ['null', 'number'] },
    active: { type: ['null', 'boolean'] },
    currency: { type: ['null', 'string'] },
    asset_class: { type: ['null', 'string'] },
    sector: { type: ['null', 'string'] },
    units: { type: ['null', 'integer'] },
    fee: { type: ['null', 'number'] },
    comment: { type: ['null', 'string'] },
  },
};

const ASSET_CLASSES = ['Equity', 'Fixed Income', 'Cash & Cash Equivalent', 'Hedge Fund', 'Private Equity', 'Real Assets'];
const SECTORS = ['Technology', 'Health Care', 'Financials', 'Energy', 'Utilities', ''];
const CURRENCIES = ['USD', 'EUR', 'GBP', 'JPY', 'CHF'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'Zürich', 'naïve', 'Smith', 'fund', 'trust', 'LLC'];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function money(n: number): string {
  const [int, frac] = Math.abs(n).toFixed(2).split('.');
  return `${n < 0 ? '-' : ''}$${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}`;
}

/** One row as text cells (what CSV/TSV carry) and as typed values (what JSON/XLSX carry). */
export interface GeneratedRow {
  text: string[];
  typed: unknown[];
}

export function* rows(count: number, seed = SEED): Generator<GeneratedRow> {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  for (let i = 1; i <= count; i++) {
    const day = 1 + Math.floor(r() * 28);
    const month = 1 + Math.floor(r() * 12);
    const year = 2015 + Math.floor(r() * 10);
    const asOf = `${year}-${pad(month)}-${pad(day)}`;
    const hh = Math.floor(r() * 24);
    const mm = Math.floor(r() * 60);
    const quantity = Math.round(r() * 1e7) / 1e4;
    const price = Math.round(r() * 1e5) / 100;
    const marketValue = Math.round(quantity * price * 100) / 100;
    const costBasis = r() < 0.1 ? null : Math.round(marketValue * (0.5 + r()) * 100) / 100;
    const twr = Math.round((r() - 0.4) * 10000) / 100; // percent points, e.g. 12.34
    const weight = Math.round(r() * 1e6) / 1e6;
    const units = Math.floor(r() * 100000);
    const fee = r() < 0.3 ? -Math.round(r() * 10000) / 100 : Math.round(r() * 1000) / 100;
    const nameBase = `${pick(WORDS)} ${pick(WORDS)}`;
    const name = r() < 0.2 ? `${nameBase}, "${pick(WORDS)}" & Co` : nameBase;
    const note = r() < 0.1 ? `line one\nline two, ${pick(WORDS)}` : r() < 0.3 ? '' : pick(WORDS);
    const comment = r() < 0.5 ? '' : `${pick(WORDS)} ${i}`;
    const active = r() < 0.8;
    const assetClass = pick(ASSET_CLASSES);
    const sector = pick(SECTORS);
    const currency = pick(CURRENCIES);
    const account = `Account ${1000 + (i % 997)}`;
    const updatedAt = `${asOf}T${pad(hh)}:${pad(mm)}:00Z`;
    const tradeDate = `${pad(month)}/${pad(day)}/${year}`;
    yield {
      text: [
        String(i), account, name, note, asOf, tradeDate, updatedAt, String(quantity), price.toFixed(2),
        money(marketValue), costBasis === null ? '' : costBasis.toFixed(2), `${twr.toFixed(2)}%`, String(weight),
        active ? 'true' : 'false', currency, assetClass, sector, String(units),
        fee < 0 ? `(${(-fee).toFixed(2)})` : fee.toFixed(2), comment,
      ],
      typed: [
        i, account, name, note === '' ? null : note, asOf, tradeDate, updatedAt, quantity, price, marketValue, costBasis,
        twr / 100, weight, active, currency, assetClass, sector === '' ? null : sector, units, fee, comment === '' ? null : comment,
      ],
    };
  }
}

function quote(field: string, delimiter: string): string {
  return field.includes('"') || field.includes(delimiter) || field.includes('\n') || field.includes('\r')
    ? `"${field.replace(/"/g, '""')}"`
    : field;
}

async function writeLines(path: string, lines: Iterable<string>): Promise<void> {
  const tmp = `${path}.partial`;
  const out = createWriteStream(tmp);
  let buffer = '';
  for (const line of lines) {
    buffer += line;
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  renameSync(tmp, path);
}

export type DataFormat = 'csv' | 'tsv' | 'json' | 'xlsx';

export function dataPath(format: DataFormat, count: number): string {
  return join(DATA_DIR, `v${GENERATOR_VERSION}-s${SEED}-${count}.${format}`);
}

/** Writes the file unless it exists; returns its path. */
export async function ensureData(format: DataFormat, count: number): Promise<string> {
  mkdirSync(DATA_DIR, { recursive: true });
  const path = dataPath(format, count);
  if (existsSync(path)) return path;
  if (format === 'csv' || format === 'tsv') {
    const d = format === 'csv' ? ',' : '\t';
    await writeLines(path, (function* () {
      yield `${COLUMNS.map((c) => quote(c, d)).join(d)}\r\n`;
      for (const row of rows(count)) yield `${row.text.map((c) => quote(c, d)).join(d)}\r\n`;
    })());
  } else if (format === 'json') {
    await writeLines(path, (function* () {
      yield '[';
      let first = true;
      for (const row of rows(count)) {
        const obj: Record<string, unknown> = {};
        COLUMNS.forEach((c, i) => (obj[c] = row.typed[i]));
        yield `${first ? '' : ','}\n${JSON.stringify(obj)}`;
        first = false;
      }
      yield '\n]\n';
    })());
  } else {
    const tmp = `${path}.partial`;
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: tmp, useSharedStrings: true, useStyles: true });
    const ws = wb.addWorksheet('Holdings');
    ws.columns = COLUMNS.map((c, i) => ({ header: c, key: `c${i}`, style: i === 4 ? { numFmt: 'yyyy-mm-dd' } : i === 6 ? { numFmt: 'yyyy-mm-dd hh:mm' } : {} }));
    for (const row of rows(count)) {
      const values = row.typed.slice();
      values[4] = new Date(`${values[4] as string}T00:00:00Z`);
      values[6] = new Date(values[6] as string);
      ws.addRow(values).commit();
    }
    ws.commit();
    await wb.commit();
    renameSync(tmp, path);
  }
  return path;
}
