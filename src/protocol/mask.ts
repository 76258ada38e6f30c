/** Applies a SecretMasker to every string (and key) of a message before it is serialized. */
import type { SecretMasker } from '../core/secrets.js';
import type { Row } from '../core/source.js';

export function maskDeep(value: unknown, masker: SecretMasker): unknown {
  if (!masker.active) return value;
  if (typeof value === 'string') return masker.mask(value);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, masker));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[masker.mask(k)] = maskDeep(v, masker);
    return out;
  }
  return value;
}

/** Records of a stream that carries vendor-written text, masked like every other message. */
export function maskRows(rows: Row[], masker: SecretMasker): Row[] {
  if (!masker.active) return rows;
  return rows.map((row) => maskDeep(row, masker) as Row);
}
