/**
 * Peer for CSV/TSV/JSON: DuckDB through its Node API (@duckdb/node-api, installed by the peer bench
 * into bench/.peers/, outside the project's dependencies), reading the file with explicit casts to
 * the bench columns' types and writing JSON lines with COPY … TO '/dev/null' (FORMAT json).
 * CSV/TSV are read all-varchar and cast the way the text needs (currency, percent as a fraction,
 * accounting negatives, MM/DD/YYYY with strptime); JSON is read with typed columns.
 *
 *   node dist/bench/peers/duckdb-json.js csv|tsv|json FILE default|1   (threads; row count on stderr)
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PEERS_DIR } from '../paths.js';

interface DuckDBModule {
  DuckDBInstance: {
    create(path?: string): Promise<{ connect(): Promise<{ run(sql: string): Promise<{ getRows(): Promise<unknown[][]> }> }> }>;
  };
}

/** Each column's expression over its text ({} = the column). */
const CSV_CASTS: Record<string, string> = {
  ID: 'CAST({} AS BIGINT)', Account: '{}', 'Security Name': '{}', Note: '{}', 'As Of': 'CAST({} AS DATE)',
  'Trade Date': "CAST(strptime({}, '%m/%d/%Y') AS DATE)", 'Updated At': 'CAST({} AS TIMESTAMPTZ)', Quantity: 'CAST({} AS DOUBLE)',
  Price: 'CAST({} AS DOUBLE)', 'Market Value': "CAST(replace(replace({}, '$', ''), ',', '') AS DOUBLE)", 'Cost Basis': 'CAST({} AS DOUBLE)',
  'TWR %': "CAST(rtrim({}, '%') AS DOUBLE) / 100", Weight: 'CAST({} AS DOUBLE)', Active: 'CAST({} AS BOOLEAN)', Currency: '{}',
  'Asset Class': '{}', Sector: '{}', Units: 'CAST({} AS BIGINT)',
  Fee: "CASE WHEN starts_with({}, '(') THEN -CAST(trim({}, '()') AS DOUBLE) ELSE CAST({} AS DOUBLE) END", Comment: '{}',
};

/** The JSON file's value types (Trade Date stays MM/DD/YYYY text there). */
const JSON_TYPES: Record<string, string> = {
  ID: 'BIGINT', Account: 'VARCHAR', 'Security Name': 'VARCHAR', Note: 'VARCHAR', 'As Of': 'DATE', 'Trade Date': 'VARCHAR',
  'Updated At': 'TIMESTAMPTZ', Quantity: 'DOUBLE', Price: 'DOUBLE', 'Market Value': 'DOUBLE', 'Cost Basis': 'DOUBLE', 'TWR %': 'DOUBLE',
  Weight: 'DOUBLE', Active: 'BOOLEAN', Currency: 'VARCHAR', 'Asset Class': 'VARCHAR', Sector: 'VARCHAR', Units: 'BIGINT', Fee: 'DOUBLE',
  Comment: 'VARCHAR',
};

const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

function query(format: string, file: string): string {
  if (format === 'json') {
    const columns = Object.entries(JSON_TYPES).map(([name, type]) => `${literal(name)}: ${literal(type)}`);
    return `SELECT * REPLACE (CAST(strptime("Trade Date", '%m/%d/%Y') AS DATE) AS "Trade Date")
      FROM read_json(${literal(file)}, format = 'array', columns = {${columns.join(', ')}})`;
  }
  const columns = Object.entries(CSV_CASTS).map(([name, expr]) => `${expr.replaceAll('{}', `"${name}"`)} AS "${name}"`);
  const delimiter = format === 'tsv' ? '\t' : ',';
  return `SELECT ${columns.join(', ')}
    FROM read_csv(${literal(file)}, header = true, delim = ${literal(delimiter)}, quote = '"', escape = '"', all_varchar = true)`;
}

async function main(): Promise<void> {
  const [format, file, threads] = process.argv.slice(2);
  const resolved = createRequire(join(PEERS_DIR, 'package.json')).resolve('@duckdb/node-api');
  const { DuckDBInstance } = (await import(pathToFileURL(resolved).href)) as DuckDBModule;
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  if (threads === '1') await connection.run('SET threads = 1');
  const result = await connection.run(`COPY (${query(format, file)}) TO '/dev/null' (FORMAT json)`);
  const [[count]] = await result.getRows();
  process.stderr.write(`rows=${String(count)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
