/**
 * The slices of a whole sync, over every stream sharing one scheduler: what makes "slice 5 of 12
 * of the sync" possible. The total is the sum of the streams' planned slices, and it is only
 * known once every stream reading has planned: until then it is not reported at all, since a
 * total that later grows reads as a lie. Streams join when they start reading, before planning
 * (the read loop starts them together, so all have joined before the first one's plan is done).
 * With a single stream the sync's count would repeat the stream's, so it is not reported either.
 */
export class SyncSlices {
  /** Slices planned per stream that joined; undefined while it plans. */
  private readonly planned = new Map<string, number | undefined>();
  /** Slices whose reading began, in the order it began: the next one's place in the sync. */
  private begun = 0;
  done = 0;

  join(stream: string): void {
    if (!this.planned.has(stream)) this.planned.set(stream, undefined);
  }

  plan(stream: string, slices: number): void {
    this.planned.set(stream, slices);
  }

  /** The stream stops reading; if it never planned (its planning failed), it counts no slices. */
  leave(stream: string): void {
    if (this.planned.get(stream) === undefined && this.planned.has(stream)) this.planned.set(stream, 0);
  }

  /** A slice's reading begins: its 1-based place among the sync's slices. */
  begin(): number {
    return ++this.begun;
  }

  finish(): void {
    this.done++;
  }

  /** The sync's planned slices, when every stream has planned and there is more than one stream. */
  total(): number | undefined {
    if (this.planned.size < 2) return undefined;
    let sum = 0;
    for (const n of this.planned.values()) {
      if (n === undefined) return undefined;
      sum += n;
    }
    return sum;
  }
}
