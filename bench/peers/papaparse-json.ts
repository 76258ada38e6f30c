/**
 * Peer for CSV/TSV: a Node script a user writes without jobtap — papaparse (header mode, streamed
 * from the file) with a cast per column, one JSON.stringify line per row to stdout. Same 20 columns
 * and the same casts as the Python peer (csv_dictreader.py): empty cells null, currency, percent
 * and accounting-negative text to numbers, booleans, MM/DD/YYYY to ISO dates.
 *
 *   node dist/bench/peers/papaparse-json.js FILE [DELIMITER] > out.jsonl   (row count on stderr)
 */
import { createReadStream } from 'node:fs';
import Papa from 'papaparse';

type Cast = (s: string) => unknown;

const text: Cast = (s) => (s === '' ? null : s);
const integer: Cast = (s) => (s === '' ? null : parseInt(s, 10));
const boolean: Cast = (s) => (s === '' ? null : s.toLowerCase() === 'true');
const usDate: Cast = (s) => (s === '' ? null : `${s.slice(6, 10)}-${s.slice(0, 2)}-${s.slice(3, 5)}`);
function number(s: string): number | null {
  if (s === '') return null;
  const negative = s.startsWith('(') && s.endsWith(')');
  const inner = negative ? s.slice(1, -1) : s;
  const percent = inner.endsWith('%');
  const value = Number((percent ? inner.slice(0, -1) : inner).replace(/[$,]/g, ''));
  return (negative ? -1 : 1) * (percent ? value / 100 : value);
}

const CASTS: [string, Cast][] = [
  ['ID', integer], ['Account', text], ['Security Name', text], ['Note', text], ['As Of', text],
  ['Trade Date', usDate], ['Updated At', text], ['Quantity', number], ['Price', number],
  ['Market Value', number], ['Cost Basis', number], ['TWR %', number], ['Weight', number],
  ['Active', boolean], ['Currency', text], ['Asset Class', text], ['Sector', text], ['Units', integer],
  ['Fee', number], ['Comment', text],
];

const [file, delimiter = ','] = process.argv.slice(2);
let rows = 0;
Papa.parse<Record<string, string>>(createReadStream(file), {
  header: true,
  delimiter,
  chunk(results) {
    let out = '';
    for (const row of results.data) {
      const typed: Record<string, unknown> = {};
      for (const [name, cast] of CASTS) typed[name] = cast(row[name]);
      out += `${JSON.stringify(typed)}\n`;
    }
    rows += results.data.length;
    process.stdout.write(out);
  },
  complete() {
    process.stderr.write(`rows=${rows}\n`);
  },
  error(err: Error) {
    throw err;
  },
});
