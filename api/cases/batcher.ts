/**
 * Opportunistic batching of one kind of statement: while `maxInFlight` batches are running, new items wait and
 * then go together, up to `maxBatch` at a time. An idle server runs each item at once (no added latency); a busy
 * one pays one round trip, one plan execution, one statement trigger and one commit per batch instead of per item.
 * A failing batch is retried item by item, so one bad item fails alone with its own error.
 */
export interface BatcherOptions {
  maxInFlight: number;
  maxBatch: number;
}

interface Waiting<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (err: unknown) => void;
}

export class Batcher<I, O> {
  private readonly queue: Waiting<I, O>[] = [];
  private inFlight = 0;

  /** `run` returns one result per item, in order. */
  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly opts: BatcherOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.opts.maxInFlight && this.queue.length) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.inFlight++;
      void this.exec(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  private async exec(batch: Waiting<I, O>[]): Promise<void> {
    try {
      const out = await this.run(batch.map((w) => w.item));
      if (out.length !== batch.length) throw new Error(`batch of ${batch.length} returned ${out.length} results`);
      batch.forEach((w, k) => w.resolve(out[k]));
    } catch (err) {
      if (batch.length === 1) return batch[0].reject(err);
      await Promise.all(batch.map((w) => this.run([w.item]).then((o) => w.resolve(o[0]), w.reject)));
    }
  }
}
