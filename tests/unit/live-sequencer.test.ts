import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { initialState, parseSnapshot, step, withoutForeign, xid32, type SeqState } from '../../api/live/sequencer.ts';

const rows = (...ids: number[]) => ids.map((id) => ({ id }));
const base = { late: [], limit: 100, gapWaitMs: 250 };
const start: SeqState = { last: 0, held: null, watches: [] };

describe('live sequencer', () => {
  it('parses pg_current_snapshot text', () => {
    expect(parseSnapshot('848:848:')).toEqual([]);
    expect(parseSnapshot('10:15:10,12')).toEqual(['10', '12']);
    expect(() => parseSnapshot('nope')).toThrow();
  });

  it('delivers contiguous rows in order and asks for more after a full page', () => {
    const s = step(start, { ...base, tail: rows(1, 2, 3), snapshot: [], now: 0, limit: 3 });
    expect(s.deliver.map((r) => r.id)).toEqual([1, 2, 3]);
    expect(s.state.last).toBe(3);
    expect(s.more).toBe(true);
    expect(s.recheckMs).toBeNull();
  });

  it('passes a gap at once when no transaction is in progress (a rollback left it)', () => {
    const s = step(start, { ...base, tail: rows(1, 3), snapshot: [], now: 0 });
    expect(s.deliver.map((r) => r.id)).toEqual([1, 3]);
    expect(s.state.held).toBeNull();
  });

  it('holds at a gap while its possible owners run, then delivers in order', () => {
    const s1 = step(start, { ...base, tail: rows(1, 3), snapshot: ['7'], now: 0 });
    expect(s1.deliver.map((r) => r.id)).toEqual([1]);
    expect(s1.state.held).toMatchObject({ from: 2, to: 2, xids: ['7'] });
    expect(s1.recheckMs).toBeGreaterThan(0);
    // still running, a new transaction 9 started meanwhile: only 7 is waited for
    const s2 = step(s1.state, { ...base, tail: rows(3), snapshot: ['7', '9'], now: 100 });
    expect(s2.deliver).toEqual([]);
    expect(s2.state.held?.xids).toEqual(['7']);
    // 7 committed id 2
    const s3 = step(s2.state, { ...base, tail: rows(2, 3), snapshot: ['9'], now: 120 });
    expect(s3.deliver.map((r) => r.id)).toEqual([2, 3]);
    expect(s3.state).toEqual({ last: 3, held: null, watches: [] });
  });

  it('moves past a gap whose owner ended without a row', () => {
    const s1 = step(start, { ...base, tail: rows(2), snapshot: ['7'], now: 0 });
    expect(s1.deliver).toEqual([]);
    const s2 = step(s1.state, { ...base, tail: rows(2), snapshot: [], now: 5 });
    expect(s2.deliver.map((r) => r.id)).toEqual([2]);
  });

  it('gives up after gapWaitMs, watches the gap and delivers its row late when the transaction commits', () => {
    const s1 = step(start, { ...base, tail: rows(2), snapshot: ['7'], now: 0 });
    const s2 = step(s1.state, { ...base, tail: rows(2), snapshot: ['7'], now: 300 });
    expect(s2.deliver.map((r) => r.id)).toEqual([2]);
    expect(s2.abandoned).toMatchObject({ from: 1, to: 1, xids: ['7'] });
    expect(s2.state.watches).toEqual([{ lo: 1, hi: 1, running: ['7'], done: [] }]);
    // 7 is still open: a new gap does not wait for it again
    const s3 = step(s2.state, { ...base, tail: rows(4), snapshot: ['7'], now: 310 });
    expect(s3.deliver.map((r) => r.id)).toEqual([4]);
    expect(s3.state.held).toBeNull();
    expect(s3.state.watches).toEqual([{ lo: 1, hi: 3, running: ['7'], done: [] }]);
    // 7 ended: the next read fetches its rows in the watched ranges
    const s4 = step(s3.state, { ...base, tail: [], snapshot: [], now: 400 });
    expect(s4.more).toBe(true);
    expect(s4.state.watches).toEqual([{ lo: 1, hi: 3, running: [], done: ['7'] }]);
    const s5 = step(s4.state, { ...base, tail: [], late: rows(3, 1), snapshot: [], now: 401 });
    expect(s5.late.map((r) => r.id)).toEqual([1, 3]);
    expect(s5.state.watches).toEqual([]);
  });

  it('does not wait for transactions of other databases on the same server', () => {
    expect(xid32(String(2 ** 32 * 3 + 17))).toBe('17');
    // known beforehand: the gap passes at once
    const s = step(start, { ...base, tail: rows(2), snapshot: ['7', String(2 ** 32 + 8)], now: 0, foreign: new Set(['7', '8']) });
    expect(s.deliver.map((r) => r.id)).toEqual([2]);
    // found out after the step that first saw the gap: the hold drops them
    const held = step(start, { ...base, tail: rows(2), snapshot: ['7', '9'], now: 0 }).state;
    expect(withoutForeign(held, new Set(['5']))).toBe(held);
    const pruned = withoutForeign(held, new Set(['7']));
    expect(pruned.held?.xids).toEqual(['9']);
    expect(withoutForeign(pruned, new Set(['9'])).held?.xids).toEqual([]);
    const next = step(withoutForeign(pruned, new Set(['9'])), { ...base, tail: rows(2), snapshot: ['7', '9'], now: 1 });
    expect(next.deliver.map((r) => r.id)).toEqual([2]);
  });

  it('watches ids below the start watermark that transactions open at start may fill', () => {
    expect(initialState(50, [], 10)).toEqual({ last: 50, held: null, watches: [] });
    expect(initialState(50, ['3'], 10).watches).toEqual([{ lo: 41, hi: 50, running: ['3'], done: [], atStart: true }]);
  });

  /**
   * Transactions take ids when they start and commit (or roll back) in any order; the hub reads at random
   * moments, from a random start. Whatever the interleaving, every row committed after the start is delivered
   * exactly once, in-order deliveries are ascending, and with a long enough gap wait only rows below the start
   * watermark (of transactions open at the start) come late.
   */
  it('delivers every committed row exactly once under random interleavings', () => {
    const tx = fc.record({ start: fc.integer({ min: 0, max: 200 }), length: fc.integer({ min: 0, max: 120 }), rows: fc.integer({ min: 1, max: 3 }), abort: fc.boolean() });
    fc.assert(
      fc.property(fc.array(tx, { minLength: 1, maxLength: 25 }), fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 40 }), fc.constantFrom(0, 30, 10_000), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 150 }), (txs, reads, gapWaitMs, limit, startAt) => {
        // ids in start order; xid = index
        const order = txs.map((t, i) => ({ ...t, xid: String(i + 1) })).sort((a, b) => a.start - b.start);
        let next = 1;
        const all = order.map((t) => ({ ...t, ids: Array.from({ length: t.rows }, () => next++), end: t.start + t.length }));
        const committedAt = (time: number) => all.filter((t) => !t.abort && t.end <= time);
        const running = (time: number) => all.filter((t) => t.start <= time && t.end > time).map((t) => t.xid);
        // the hub starts at `startAt`: rows visible then are history, the rest must all be delivered
        const before = new Set(committedAt(startAt).flatMap((t) => t.ids));
        const maxId = Math.max(0, ...before);
        let state = initialState(maxId, running(startAt), 1000);
        const inOrder: number[] = [];
        const late: number[] = [];
        const times = reads.filter((t) => t >= startAt).sort((a, b) => a - b);
        for (let i = 0; i < 60; i++) times.push(500 + i * 50); // afterwards: everything has ended
        for (const now of times) {
          for (let guard = 0; guard < 50; guard++) {
            const visible = committedAt(now).flatMap((t) => t.ids.map((id) => ({ id, tx: t.xid })));
            const tail = visible.filter((r) => r.id > state.last).sort((a, b) => a.id - b.id).slice(0, limit);
            const lateRows = visible.filter((r) => state.watches.some((w) => r.id >= w.lo && r.id <= w.hi && w.done.includes(r.tx)));
            const s = step(state, { tail, late: lateRows, snapshot: running(now), now, limit, gapWaitMs });
            state = s.state;
            inOrder.push(...s.deliver.map((r) => r.id));
            late.push(...s.late.map((r) => r.id));
            if (!s.more) break;
          }
        }
        const committed = committedAt(Infinity).flatMap((t) => t.ids).filter((id) => !before.has(id)).sort((a, b) => a - b);
        expect([...inOrder, ...late].sort((a, b) => a - b)).toEqual(committed);
        expect(inOrder).toEqual([...inOrder].sort((a, b) => a - b));
        if (gapWaitMs === 10_000) expect(late.filter((id) => id > maxId)).toEqual([]);
        expect(state.watches).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });
});
