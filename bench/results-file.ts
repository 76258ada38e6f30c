/**
 * bench/RESULTS.md is written by two benchmarks: `run.js` (the in-process pipeline table, the whole
 * file) and `peers.js` (the CLI against peer tools, a marked section). Each section sits between
 * `<!-- name:begin -->` and `<!-- name:end -->`; rewriting the file keeps the other's sections.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const SECTION = /<!-- ([\w-]+):begin -->[\s\S]*?<!-- \1:end -->\n?/g;

function block(name: string, body: string): string {
  return `<!-- ${name}:begin -->\n${body.trimEnd()}\n<!-- ${name}:end -->\n`;
}

/** Writes `text` as the whole file, followed by the marked sections the file already had. */
export function writeKeepingSections(path: string, text: string): void {
  const kept = existsSync(path) ? (readFileSync(path, 'utf8').match(SECTION) ?? []) : [];
  writeFileSync(path, kept.length === 0 ? text : `${text.trimEnd()}\n\n${kept.map((s) => s.trimEnd()).join('\n\n')}\n`);
}

/** Replaces the section `name` of the file (or appends it), leaving the rest as it is. */
export function writeSection(path: string, name: string, body: string): void {
  const before = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const marked = new RegExp(`<!-- ${name}:begin -->[\\s\\S]*?<!-- ${name}:end -->\\n?`);
  const after = marked.test(before) ? before.replace(marked, () => block(name, body)) : `${before.trimEnd()}${before === '' ? '' : '\n\n'}${block(name, body)}`;
  writeFileSync(path, after);
}
