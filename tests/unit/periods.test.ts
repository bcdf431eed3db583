import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { localDay, reportingPeriods } from '../../api/domain/periods.ts';

const iso = (d: Date) => d.toISOString();

describe('reporting periods (China Standard Time)', () => {
  it('today and this month so far, against the same stretch of yesterday and last month', () => {
    const p = reportingPeriods(new Date('2026-03-15T10:00:00+08:00'));
    expect(iso(p.today.current.from)).toBe('2026-03-14T16:00:00.000Z');
    expect(iso(p.today.current.to)).toBe('2026-03-15T02:00:00.000Z');
    expect(iso(p.today.previous.from)).toBe('2026-03-13T16:00:00.000Z');
    expect(iso(p.today.previous.to)).toBe('2026-03-14T02:00:00.000Z');
    expect(iso(p.month.current.from)).toBe('2026-02-28T16:00:00.000Z');
    expect(iso(p.month.previous.from)).toBe('2026-01-31T16:00:00.000Z');
    expect(iso(p.month.previous.to)).toBe(iso(new Date('2026-02-15T10:00:00+08:00')));
  });

  it('is local: 23:30 UTC is already the next day in China', () => {
    const p = reportingPeriods(new Date('2026-06-30T23:30:00Z')); // 07:30 on 1 July in China
    expect(localDay(p.asOf)).toBe('2026-07-01');
    expect(iso(p.today.current.from)).toBe('2026-06-30T16:00:00.000Z');
    expect(iso(p.month.current.from)).toBe('2026-06-30T16:00:00.000Z');
    expect(iso(p.month.previous.from)).toBe('2026-05-31T16:00:00.000Z');
  });

  it('cuts last month at its end when this month is longer (31 March vs February)', () => {
    const p = reportingPeriods(new Date('2026-03-31T20:00:00+08:00'));
    expect(iso(p.month.previous.to)).toBe(iso(p.month.current.from));
    const jan = reportingPeriods(new Date('2026-01-10T12:00:00+08:00'));
    expect(iso(jan.month.previous.from)).toBe(iso(new Date('2025-12-01T00:00:00+08:00')));
  });

  it('always: previous periods end where they began plus the elapsed time (or at the month end), and precede the current', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (t) => {
        const p = reportingPeriods(t);
        const elapsedDay = t.getTime() - p.today.current.from.getTime();
        expect(elapsedDay).toBeGreaterThanOrEqual(0);
        expect(elapsedDay).toBeLessThan(86_400_000);
        expect(p.today.previous.to.getTime() - p.today.previous.from.getTime()).toBe(elapsedDay);
        expect(p.today.previous.to.getTime()).toBeLessThanOrEqual(p.today.current.from.getTime());
        const prevLen = p.month.previous.to.getTime() - p.month.previous.from.getTime();
        expect(prevLen).toBeLessThanOrEqual(t.getTime() - p.month.current.from.getTime());
        expect(p.month.previous.to.getTime()).toBeLessThanOrEqual(p.month.current.from.getTime());
        expect(localDay(p.month.current.from).endsWith('-01')).toBe(true);
        expect(localDay(p.month.previous.from).endsWith('-01')).toBe(true);
      }),
    );
  });
});
