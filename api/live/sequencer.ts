/**
 * Decides which `case_events` rows the hub may deliver, in id order, without losing any. Pure: no I/O.
 *
 * Ids come from a sequence when a row is inserted, but transactions commit in any order: id 11 can be visible
 * while id 10 is still uncommitted. Delivering 11 and moving on would lose 10 for good (and a client resuming
 * from Last-Event-ID 11 would never see it). So at a gap the sequencer holds delivery until every transaction that
 * was in progress when the gap was first seen has ended (each read carries the snapshot it was taken in), or until
 * `gapWaitMs` has passed. A gap left behind that way becomes a "watch": the rows those still-running transactions
 * wrote into it are delivered late, out of order, when they commit (found by the `tx` column, migration 004).
 * Transactions already known to stay open past a hold are not waited for again: new gaps are watched for them.
 */

/** In-progress top-level transaction ids (xid8, as decimal text) of a `pg_current_snapshot()`. */
export type Snapshot = readonly string[];

export interface SeqRow {
  id: number;
}

/** A gap [from, to] that delivery waits at, with the transactions that may own its ids. */
export interface Gap {
  from: number;
  to: number;
  /** transactions waited for */
  xids: string[];
  /** transactions that already outlived a hold: not waited for, watched when the gap is passed */
  slow: string[];
  since: number;
}

/**
 * Ids [lo, hi] below the watermark that transactions `running` may still fill. `done` are transactions that were
 * seen to end: their rows in [lo, hi] are fetched by the next read, then forgotten.
 */
export interface Watch {
  lo: number;
  hi: number;
  running: string[];
  done: string[];
  /** set up at hub start: its transactions have not (yet) been seen to outlive a hold */
  atStart?: boolean;
}

export interface SeqState {
  /** highest id delivered in order: every id ≤ last is delivered, known absent, or watched */
  last: number;
  held: Gap | null;
  watches: Watch[];
}

export interface SeqInput<R extends SeqRow> {
  /** rows with id > state.last, ascending, at most `limit` */
  tail: R[];
  /** rows found in the watches' ranges written by their `done` transactions */
  late: R[];
  snapshot: Snapshot;
  now: number;
  limit: number;
  gapWaitMs: number;
  /**
   * Transactions of other databases on the same server (32-bit xids, see `xid32`): snapshots list every
   * transaction of the server, but only this database's can write our case_events, so gaps don't wait for them.
   */
  foreign?: ReadonlySet<string>;
}

export interface SeqStep<R extends SeqRow> {
  state: SeqState;
  /** in id order, after the late ones */
  deliver: R[];
  /** late rows (ids below the watermark), in id order */
  late: R[];
  /** read again at once: a full page came back, or watched transactions ended */
  more: boolean;
  /** read again after this many ms (a held gap's transactions may have rolled back: no notification comes) */
  recheckMs: number | null;
  /** the gap given up on in this step, if any (to log it) */
  abandoned: Gap | null;
}

/** `pg_current_snapshot()::text` ("xmin:xmax:xip,xip") → its in-progress xids. */
export function parseSnapshot(text: string): Snapshot {
  const parts = text.split(':');
  if (parts.length !== 3) throw new Error(`not a pg_snapshot: ${text}`);
  return parts[2] ? parts[2].split(',') : [];
}

/** The state at hub start: the newest id is the watermark; transactions running now may fill ids below it. */
export function initialState(maxId: number, snapshot: Snapshot, window: number): SeqState {
  const watches = snapshot.length && maxId > 0 ? [{ lo: Math.max(1, maxId - window + 1), hi: maxId, running: [...snapshot], done: [], atStart: true }] : [];
  return { last: maxId, held: null, watches };
}

export function step<R extends SeqRow>(state: SeqState, input: SeqInput<R>): SeqStep<R> {
  const { snapshot, now, gapWaitMs } = input;
  const inProgress = new Set(snapshot);

  // Late rows: the `done` transactions of each watch were fetched by this read; forget them, and move the
  // transactions that have ended since the last read to `done`, to be fetched by the next one.
  const seen = new Set<number>();
  const late = input.late.filter((r) => r.id <= state.last && !seen.has(r.id) && seen.add(r.id)).sort((a, b) => a.id - b.id);
  let watches: Watch[] = [];
  let more = false;
  for (const w of state.watches) {
    const running = w.running.filter((x) => inProgress.has(x));
    const done = w.running.filter((x) => !inProgress.has(x));
    if (done.length) more = true;
    if (running.length || done.length) watches.push({ ...w, running, done });
  }

  // Transactions already watched have outlived a hold once: don't wait for them again.
  const longRunning = new Set(watches.filter((w) => !w.atStart).flatMap((w) => w.running));
  let { last, held } = state;
  let abandoned: Gap | null = null;
  const deliver: R[] = [];
  let blocked = false;
  for (const row of input.tail) {
    if (row.id <= last) continue;
    if (row.id > last + 1) {
      const from = last + 1;
      const to = row.id - 1;
      if (!held || from < held.from || from > held.to) {
        // first sight of this gap: its ids were taken before this snapshot, so their owners are in it
        const ours = snapshot.filter((x) => !input.foreign?.has(xid32(x)));
        held = { from, to, xids: ours.filter((x) => !longRunning.has(x)), slow: ours.filter((x) => longRunning.has(x)), since: now };
      } else {
        held = { ...held, from, to }; // the same gap, partly filled
      }
      const waiting = held.xids.filter((x) => inProgress.has(x));
      if (waiting.length && now - held.since < gapWaitMs) {
        held = { ...held, xids: waiting };
        blocked = true;
        break;
      }
      if (waiting.length) abandoned = { ...held, xids: waiting };
      // passing the gap: transactions still open may fill it later, so watch it for them (ids ≤ watermark only)
      const open = [...held.slow.filter((x) => inProgress.has(x)), ...waiting];
      if (open.length) watches.push({ lo: from, hi: to, running: open, done: [] });
      for (const x of open) longRunning.add(x);
    }
    deliver.push(row);
    last = row.id;
    held = null;
  }

  if (!blocked && input.tail.length >= input.limit) more = true;
  let recheckMs: number | null = null;
  if (blocked && held) {
    const waited = now - held.since;
    recheckMs = Math.max(1, Math.min(gapWaitMs - waited, Math.max(2, Math.min(50, waited / 2))));
  }
  watches = mergeWatches(watches);
  return { state: { last, held: blocked ? held : null, watches }, deliver, late, more, recheckMs, abandoned };
}

/** The 32-bit xid (as pg_stat_activity.backend_xid shows it) of an xid8. */
export function xid32(x: string): string {
  return (BigInt(x) & 0xffffffffn).toString();
}

/** Stops waiting for transactions found to belong to other databases (after the step that first saw a gap). */
export function withoutForeign(state: SeqState, foreign: ReadonlySet<string>): SeqState {
  const held = state.held;
  if (!held) return state;
  const xids = held.xids.filter((x) => !foreign.has(xid32(x)));
  const slow = held.slow.filter((x) => !foreign.has(xid32(x)));
  if (xids.length === held.xids.length && slow.length === held.slow.length) return state;
  return { ...state, held: { ...held, xids, slow } };
}

/** Watches are few; keep them so, merging those of identical transactions. */
function mergeWatches(ws: Watch[]): Watch[] {
  const out: Watch[] = [];
  for (const w of ws) {
    const key = watchKey(w);
    const same = out.find((o) => watchKey(o) === key);
    if (same) {
      same.lo = Math.min(same.lo, w.lo);
      same.hi = Math.max(same.hi, w.hi);
    } else out.push({ ...w, running: [...w.running], done: [...w.done] });
  }
  return out;
}

const watchKey = (w: Watch) => `${[...w.running].sort().join(',')}|${[...w.done].sort().join(',')}|${w.atStart ? 1 : 0}`;
