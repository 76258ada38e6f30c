/**
 * The shared-strings table (xl/sharedStrings.xml, `<sst><si>...</si>...</sst>`, ECMA-376 Part 1
 * §18.4): cells with t="s" hold an index into it. It must be held in memory — any cell may refer
 * to any string — so it is kept compact (SharedStringTable) and bounded.
 *
 * Read as a stream: text arrives in chunks cut anywhere; an `<si>` split across chunks is carried.
 */
import { documentPrefix, findTag, richText, richTextNeedles, type RichTextNeedles } from './markup.js';

export interface SharedStringLimits {
  /** Refuse a table with more characters in total (memory bound). */
  maxChars: number;
  /** Refuse a table with more entries. */
  maxStrings: number;
}

export const DEFAULT_SHARED_STRING_LIMITS: SharedStringLimits = { maxChars: 256 * 1024 * 1024, maxStrings: 16 * 1024 * 1024 };

/** What the sheet scanner needs of the table; a plain string[] is one too (tests). */
export interface SharedStrings {
  readonly length: number;
  /** The entry at a valid index (0 ≤ index < length), else undefined. */
  at(index: number): string | undefined;
}

const BLOCK_BITS = 10;
const BLOCK_SIZE = 1 << BLOCK_BITS;

/**
 * The entries joined into one string per block of 1,024, with their offsets: ~5 bytes per entry
 * plus its characters, where a string per entry costs ~40 bytes of V8 overhead each (measured on
 * the benchmark's 1M-row sheet: 506k entries, 5.9M characters, 23 MB as separate strings). A
 * block is never longer than V8's string limit because the whole table is capped below it.
 */
export class SharedStringTable implements SharedStrings {
  private readonly blocks: string[] = [];
  private readonly offsets: Uint32Array[] = [];
  private pending: string[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  add(s: string): void {
    this.pending.push(s);
    this.count++;
    if (this.pending.length === BLOCK_SIZE) this.seal();
  }

  at(index: number): string | undefined {
    if (index >>> 0 !== index || index >= this.count) return undefined; // also refuses fractions and NaN
    const b = index >>> BLOCK_BITS;
    if (b === this.blocks.length) return this.pending[index & (BLOCK_SIZE - 1)];
    const o = this.offsets[b];
    const j = index & (BLOCK_SIZE - 1);
    return this.blocks[b].slice(o[j], o[j + 1]);
  }

  /** Joins the pending entries into a block (join flattens them: no chunk text stays referenced). */
  private seal(): void {
    const offsets = new Uint32Array(this.pending.length + 1);
    for (let i = 0; i < this.pending.length; i++) offsets[i + 1] = offsets[i] + this.pending[i].length;
    this.blocks.push(this.pending.join(''));
    this.offsets.push(offsets);
    this.pending = [];
  }

  /** Seals the last, partial block too. */
  finish(): this {
    if (this.pending.length > 0) this.seal();
    return this;
  }
}

export class SharedStringsScanner {
  private readonly table = new SharedStringTable();
  private carry = '';
  private chars = 0;
  private prefix: string | undefined;
  private siNeedle = '';
  private siClose = '';
  private rich: RichTextNeedles | undefined;

  constructor(
    private readonly fail: (problem: string) => never,
    private readonly limits: SharedStringLimits = DEFAULT_SHARED_STRING_LIMITS,
  ) {}

  push(text: string): void {
    const buf = this.carry + text;
    this.carry = '';
    if (this.prefix === undefined) {
      this.prefix = documentPrefix(buf);
      if (this.prefix === undefined) {
        this.carry = buf;
        if (buf.length > 1024 * 1024) this.fail('shared strings part has no document element');
        return;
      }
      this.siNeedle = `<${this.prefix}si`;
      this.siClose = `</${this.prefix}si>`;
      this.rich = richTextNeedles(this.prefix);
    }
    let p = 0;
    for (;;) {
      const si = findTag(buf, this.siNeedle, p, buf.length);
      if (si < 0 || si + this.siNeedle.length >= buf.length) {
        // Keep a possibly cut `<si` (or its following character) for the next chunk.
        this.carry = si >= 0 ? buf.slice(si) : buf.slice(Math.max(p, buf.length - this.siNeedle.length));
        return;
      }
      const gt = buf.indexOf('>', si);
      if (gt < 0) {
        this.carry = buf.slice(si);
        return;
      }
      if (buf.charCodeAt(gt - 1) === 47 /* <si/> */) {
        this.add('');
        p = gt + 1;
        continue;
      }
      const close = buf.indexOf(this.siClose, gt);
      if (close < 0) {
        this.carry = buf.slice(si);
        if (this.carry.length > 64 * 1024 * 1024) this.fail('a shared string is longer than 64 Mi characters');
        return;
      }
      this.add(richText(buf, gt + 1, close, this.rich!));
      p = close + this.siClose.length;
    }
  }

  /** The table, once the part has ended. */
  end(): SharedStringTable {
    return this.table.finish();
  }

  private add(s: string): void {
    this.chars += s.length;
    if (this.chars > this.limits.maxChars) this.fail(`shared strings exceed ${this.limits.maxChars} characters`);
    if (this.table.length >= this.limits.maxStrings) this.fail(`shared strings exceed ${this.limits.maxStrings} entries`);
    this.table.add(detach(s)); // until its block is sealed, an entry would keep its chunk text alive
  }
}

/**
 * A copy of `s` that shares no memory with the text it was cut from: slicing a fresh concatenation
 * makes V8 flatten it into a new string just one character longer (verified with heap snapshots of
 * 2,000 30-character slices of 70 KB strings: 144 MB retained without this, 3 MB with it).
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}
