/**
 * Undo / redo of an edit as whole snapshots (a grid's ring is a few dozen coordinates: copying it is cheaper and
 * simpler than inverting each drag, insert or delete). A new state after an undo drops the redo branch; the
 * oldest states go beyond `limit`. Pure.
 */
export class EditHistory<T> {
  private past: T[] = [];
  private future: T[] = [];

  constructor(
    private present: T,
    private readonly limit = 100,
    private readonly same: (a: T, b: T) => boolean = (a, b) => JSON.stringify(a) === JSON.stringify(b),
  ) {}

  get current(): T {
    return this.present;
  }
  get canUndo(): boolean {
    return this.past.length > 0;
  }
  get canRedo(): boolean {
    return this.future.length > 0;
  }

  /** Records a new state; false (nothing recorded) when it equals the current one. */
  push(state: T): boolean {
    if (this.same(state, this.present)) return false;
    this.past.push(this.present);
    if (this.past.length > this.limit) this.past.shift();
    this.present = state;
    this.future = [];
    return true;
  }

  /** The state before the current one (now current), or undefined when there is none. */
  undo(): T | undefined {
    const prev = this.past.pop();
    if (prev === undefined) return undefined;
    this.future.push(this.present);
    this.present = prev;
    return prev;
  }

  redo(): T | undefined {
    const next = this.future.pop();
    if (next === undefined) return undefined;
    this.past.push(this.present);
    this.present = next;
    return next;
  }
}

/** Calls `fn` once calls have stopped for `ms`; `cancel` drops a pending call, `flush` runs it now. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let args: A | undefined;
  const run = () => {
    timer = undefined;
    const a = args!;
    args = undefined;
    fn(...a);
  };
  return Object.assign(
    (...a: A) => {
      args = a;
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(run, ms);
    },
    {
      cancel() {
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        args = undefined;
      },
      flush() {
        if (timer === undefined) return;
        clearTimeout(timer);
        run();
      },
    },
  );
}
