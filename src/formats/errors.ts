/**
 * The one error the parsers raise for a result file they cannot read: a malformed file, a format
 * that does not match what was requested, or a cell that cannot be cast under the 'fail' policy.
 * It is a system_error: the vendor sent something jobtap did not expect, and retrying the same
 * file will not help — except for an empty XLSX or JSON body, which no real result is: that one
 * is transient, so the download is tried again.
 */
import { ConnectorError, type FailureType } from '../core/errors.js';

export interface FileFormatErrorDetails {
  /** 1-based data row (the header row is not counted); for JSON the 1-based emitted row. */
  row?: number;
  /** The column's name as written in the file. */
  column?: string;
  /** Byte offset in the (decompressed) file, for JSON syntax errors. */
  byteOffset?: number;
  cause?: unknown;
  internalMessage?: string;
  /** Default system_error; transient_error for a file that a new download may fix (an empty body). */
  failureType?: FailureType;
}

export class FileFormatError extends ConnectorError {
  readonly fileName: string;
  readonly row?: number;
  readonly column?: string;
  readonly byteOffset?: number;

  /**
   * @param problem what is wrong, without the location; the message is composed as
   *   `<fileName>[, row N][, column "C"][, byte B]: <problem>` so every message names the file.
   */
  constructor(fileName: string, problem: string, details: FileFormatErrorDetails = {}) {
    const where = [fileName];
    if (details.row !== undefined) where.push(`row ${details.row}`);
    if (details.column !== undefined) where.push(`column ${JSON.stringify(details.column)}`);
    if (details.byteOffset !== undefined) where.push(`byte ${details.byteOffset}`);
    super(`${where.join(', ')}: ${problem}`, details.failureType ?? 'system_error', {
      cause: details.cause,
      internalMessage: details.internalMessage,
    });
    this.fileName = fileName;
    this.row = details.row;
    this.column = details.column;
    this.byteOffset = details.byteOffset;
  }
}

/** Shortens a cell value for an error message: customer data should not flood logs. */
export function describeValue(value: unknown): string {
  let text: string;
  if (value instanceof Date) text = Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  else if (typeof value === 'string') text = JSON.stringify(value);
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
