/**
 * Column names: deduplicating a file's header, and normalising names for warehouses.
 *
 * Normalisation rule (normaliseColumnName), applied in this order:
 *  1. Unicode NFKD, then combining marks dropped ("Café" → "Cafe"); other non-ASCII becomes a separator.
 *  2. Symbols that carry meaning become words: "%" → "pct", "#" → "num", "&" → "and".
 *  3. camelCase / PascalCase boundaries become separators ("PercentageComplete" → "percentage_complete",
 *     "TWRValue" → "twr_value", "ProgramId" → "program_id").
 *  4. Lowercase; every run of characters outside [a-z0-9] becomes one "_"; leading and trailing "_" dropped.
 *  5. An empty result becomes "column"; a result starting with a digit gets a "_" prefix ("1Y Return" → "_1y_return").
 *  6. At most 63 characters (PostgreSQL's identifier limit, the tightest common warehouse limit).
 *
 * Collisions (normaliseColumnNames, and the row typer which applies the same rule as names appear) are
 * resolved first-come-first-served: the first name keeps its normalised form, later ones get "_2", "_3"...
 * (skipping any suffix already taken), so the result depends only on the order of the names.
 */

const MAX_IDENTIFIER_LENGTH = 63;

export function normaliseColumnName(name: string): string {
  let s = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  s = s.replace(/%/g, ' pct ').replace(/#/g, ' num ').replace(/&/g, ' and ');
  // camelCase boundary: "aB" → "a B"; acronym boundary: "TWRValue" → "TWR Value".
  s = s.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  s = s.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (s === '') s = 'column';
  if (s.charCodeAt(0) >= 48 && s.charCodeAt(0) <= 57) s = `_${s}`;
  if (s.length > MAX_IDENTIFIER_LENGTH) s = s.slice(0, MAX_IDENTIFIER_LENGTH).replace(/_+$/, '');
  return s;
}

/**
 * Assigns normalised names one at a time, keeping them unique: the streaming form of
 * normaliseColumnNames, used where names are discovered row by row (JSON rows vary).
 */
export class ColumnNameAllocator {
  private readonly used = new Set<string>();

  /** Marks names as taken up front (e.g. schema properties already claimed). */
  reserve(name: string): void {
    this.used.add(name);
  }

  isTaken(name: string): boolean {
    return this.used.has(name);
  }

  /** Claims `base` itself if free, else the first free `base_2`, `base_3`... */
  claim(base: string): string {
    let candidate = base;
    for (let n = 2; this.used.has(candidate); n++) {
      const suffix = `_${n}`;
      candidate = base.slice(0, MAX_IDENTIFIER_LENGTH - suffix.length) + suffix;
    }
    this.used.add(candidate);
    return candidate;
  }
}

export function normaliseColumnNames(names: string[]): string[] {
  const allocator = new ColumnNameAllocator();
  return names.map((name) => allocator.claim(normaliseColumnName(name)));
}

/**
 * Makes a file's header usable as object keys without changing names that are already fine:
 * an empty (or blank) name becomes `column_<n>` (n = 1-based position); a repeated name becomes
 * `name_2`, `name_3`... Names that appear literally in the header are reserved first, so a real
 * "a_2" column keeps its name and a duplicate "a" skips to "a_3".
 */
export function dedupeHeaderNames(header: readonly string[]): string[] {
  const wanted = header.map((name, i) => (name.trim() === '' ? `column_${i + 1}` : name));
  const reserved = new Set(wanted);
  const used = new Set<string>();
  return wanted.map((name) => {
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
    let n = 2;
    while (reserved.has(`${name}_${n}`) || used.has(`${name}_${n}`)) n++;
    const renamed = `${name}_${n}`;
    used.add(renamed);
    return renamed;
  });
}
