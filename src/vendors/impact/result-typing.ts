/**
 * Types the rows of one result file. impact.com result columns depend on the job type and report,
 * and nothing describes them ahead of the download, so each file's column types are inferred from
 * its first batch of rows (the parser's batch: bounded, already in memory) and every row of the
 * file is then cast with that schema. A CSV, a JSON and an XLSX export of the same rows therefore
 * give the same typed values: amounts as numbers, flags as booleans, dates as RFC 3339 text.
 */
import type { Row } from '../../core/source.js';
import { inferSchema } from '../../formats/infer.js';
import { createRowTyper, type RowTyper } from '../../formats/typer.js';
import type { CastErrorPolicy, RawRow } from '../../formats/types.js';
import type { Logger } from '../../core/logger.js';

export class FileRowTyper {
  private typer: RowTyper | undefined;
  private reportedFailures = 0;

  constructor(
    private readonly fileName: string,
    private readonly onCastError: CastErrorPolicy,
  ) {}

  /** Types a batch whose first row is row `firstRowNumber` (1-based) of the file. */
  type(rows: RawRow[], firstRowNumber: number): Row[] {
    if (rows.length === 0) return [];
    this.typer ??= createRowTyper({ schema: inferSchema(rows), onCastError: this.onCastError, fileName: this.fileName });
    const typer = this.typer;
    return rows.map((row, i) => typer.type(row, firstRowNumber + i));
  }

  /** Logs cells nulled under on_cast_error=null since the last call (once per file, not per cell). */
  reportCastFailures(logger: Logger): void {
    const failures = this.typer?.castFailures ?? 0;
    if (failures > this.reportedFailures) {
      logger.warn(`${this.fileName}: ${failures - this.reportedFailures} cell(s) did not fit the column type inferred from the first rows and were set to null`);
      this.reportedFailures = failures;
    }
  }
}
