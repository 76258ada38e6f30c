/**
 * Memory the byte scanners (csv-cells.ts, json-cells.ts) reuse from batch to batch, so a long file
 * is read without allocating a scan buffer or cell arrays per batch: the garbage of a 1M-row file
 * was about a gigabyte of buffers, which V8 lets pile up to ~64 MB of external memory before it
 * collects them (the read's peak RSS grew with the file).
 *
 * Reuse is safe because of the contract of parseResultBatches: a consumer is done with a batch's
 * bytes and cells before it asks for the next batch, and the scanners refill only while asked for
 * one. So memory is written again only two batches (or two refills) after it was handed out.
 */

/** Room beyond what a refill needs, so the next refill (of about the same size) fits. */
const SLACK = 128 * 1024;

/** The scanned text's buffer: what is still needed of the current one, then new chunks. */
export class RefillBuffers {
  /** Buffers this class allocated (chunks from the stream are never written into). */
  private readonly owned = new WeakSet<Buffer>();
  private spare: Buffer | undefined;

  /**
   * A buffer holding `current` from `keep` on, then `parts`. `recycle`: nothing handed out still
   * needs `current` once the caller moves to the returned buffer (else it is left to the GC).
   */
  refill(current: Buffer, keep: number, parts: readonly Buffer[], recycle: boolean): Buffer {
    let next: Buffer;
    if (keep === current.length && parts.length === 1) {
      next = parts[0]!;
    } else {
      let needed = current.length - keep;
      for (const part of parts) needed += part.length;
      const spare = this.spare;
      if (spare !== undefined && spare.length >= needed) {
        next = spare;
        this.spare = undefined;
      } else {
        next = Buffer.allocUnsafe(needed + SLACK);
      }
      let p = current.copy(next, 0, keep);
      for (const part of parts) p += part.copy(next, p);
      next = next.subarray(0, p);
      // The view is what the scanner holds; remember its memory as ours.
      this.owned.add(next);
    }
    // Our buffers are allocated whole (never from Node's small-buffer pool), so the view's
    // ArrayBuffer is all ours.
    if (recycle && this.owned.has(current) && (this.spare === undefined || this.spare.length < current.buffer.byteLength)) {
      this.spare = Buffer.from(current.buffer);
    }
    return next;
  }
}

/** A batch's cell arrays: row-major starts, ends and flags. */
export interface CellArrays {
  starts: Int32Array<ArrayBuffer>;
  ends: Int32Array<ArrayBuffer>;
  flags: Uint8Array<ArrayBuffer>;
}

/** Two sets of cell arrays taking turns: a batch's arrays are filled again two batches later. */
export class CellArrayPair {
  private previous: CellArrays | undefined;

  /** Arrays of `size` cells for the next batch; `handedOut` are those of the batch just handed out. */
  next(size: number, handedOut: CellArrays | undefined): CellArrays {
    const reuse = this.previous !== undefined && this.previous.starts.length === size ? this.previous : undefined;
    this.previous = handedOut;
    return reuse ?? { starts: new Int32Array(size), ends: new Int32Array(size), flags: new Uint8Array(size) };
  }
}
