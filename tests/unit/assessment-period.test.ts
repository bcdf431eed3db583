import { describe, expect, it } from 'vitest';
import { monthsEnding, monthsOf, parsePeriod, periodTitle, previousPeriod, PeriodError } from '../../api/domain/assessment/period.ts';

const iso = (d: Date) => d.toISOString();

describe('assessment periods (UTC+8, half-open)', () => {
  it('a month runs from local midnight of the 1st to local midnight of the next 1st', () => {
    const p = parsePeriod({ period: '2026-10' });
    expect(p).toMatchObject({ label: '2026-10', kind: 'month' });
    expect(iso(p.from)).toBe('2026-09-30T16:00:00.000Z');
    expect(iso(p.to)).toBe('2026-10-31T16:00:00.000Z');
    expect(periodTitle(p)).toBe('2026年10月');
  });

  it('上期 of January is December of the year before; of a year, the year before', () => {
    expect(previousPeriod(parsePeriod({ period: '2026-01' })).label).toBe('2025-12');
    expect(previousPeriod(parsePeriod({ period: '2026-03' })).label).toBe('2026-02');
    const y = previousPeriod(parsePeriod({ period: '2026' }));
    expect(y.label).toBe('2025');
    expect(iso(y.to)).toBe(iso(parsePeriod({ period: '2026' }).from));
  });

  it('from/to are local dates, `to` inclusive; a whole month or year given as a range is that month or year', () => {
    expect(parsePeriod({ from: '2026-10-01', to: '2026-10-31' })).toEqual(parsePeriod({ period: '2026-10' }));
    expect(parsePeriod({ from: '2026-02-01', to: '2026-02-28' }).label).toBe('2026-02');
    expect(parsePeriod({ from: '2026-01-01', to: '2026-12-31' }).label).toBe('2026');
    const r = parsePeriod({ from: '2026-10-01', to: '2026-10-15' });
    expect(r).toMatchObject({ kind: 'range', label: '2026-10-01~2026-10-15' });
    expect(iso(r.to)).toBe('2026-10-15T16:00:00.000Z');
    const prev = previousPeriod(r);
    expect(prev.label).toBe('2026-09-16~2026-09-30');
    expect(iso(prev.to)).toBe(iso(r.from));
  });

  it('上期 of a range of whole months (a quarter) is as many whole months just before', () => {
    const q3 = parsePeriod({ from: '2026-07-01', to: '2026-09-30' });
    expect(q3).toMatchObject({ kind: 'range', label: '2026-07-01~2026-09-30' });
    const q2 = previousPeriod(q3);
    expect(q2.label).toBe('2026-04-01~2026-06-30');
    expect(iso(q2.from)).toBe(iso(parsePeriod({ period: '2026-04' }).from));
    expect(iso(q2.to)).toBe(iso(q3.from));
    expect(previousPeriod(parsePeriod({ from: '2026-01-01', to: '2026-03-31' })).label).toBe('2025-10-01~2025-12-31');
    expect(previousPeriod(parsePeriod({ from: '2025-12-01', to: '2026-11-30' })).label).toBe('2024-12-01~2025-11-30');
    // not whole months: the same number of days
    expect(previousPeriod(parsePeriod({ from: '2026-07-01', to: '2026-09-28' })).label).toBe('2026-04-02~2026-06-30');
  });

  it('the n months ending with a month, oldest first, across a year boundary', () => {
    const ms = monthsEnding(parsePeriod({ period: '2026-02' }), 12);
    expect(ms.map((m) => m.label)).toEqual(['2025-03', '2025-04', '2025-05', '2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02']);
    expect(iso(ms[11].to)).toBe(iso(parsePeriod({ period: '2026-03' }).from));
    expect(monthsEnding(parsePeriod({ period: '2026-10' }), 1).map((m) => m.label)).toEqual(['2026-10']);
    expect(() => monthsEnding(parsePeriod({ period: '2026' }), 12)).toThrow(/month/);
  });

  it('a year has twelve months, the first starting with the year', () => {
    const months = monthsOf(parsePeriod({ period: '2026' }));
    expect(months.map((m) => m.label)).toEqual(Array.from({ length: 12 }, (_, i) => `2026-${String(i + 1).padStart(2, '0')}`));
    expect(iso(months[0].from)).toBe(iso(parsePeriod({ period: '2026' }).from));
    expect(iso(months[11].to)).toBe(iso(parsePeriod({ period: '2026' }).to));
  });

  it('bad input names the parameter', () => {
    const param = (q: Parameters<typeof parsePeriod>[0]) => {
      try {
        parsePeriod(q);
      } catch (err) {
        expect(err).toBeInstanceOf(PeriodError);
        return (err as PeriodError).param;
      }
      return null;
    };
    expect(param({})).toBe('period');
    expect(param({ period: '2026-13' })).toBe('period');
    expect(param({ period: '2026-1' })).toBe('period');
    expect(param({ period: '1999-01' })).toBe('period');
    expect(param({ period: '2026-10', from: '2026-10-01' })).toBe('period');
    expect(param({ from: '2026-10-01' })).toBe('to');
    expect(param({ to: '2026-10-01' })).toBe('from');
    expect(param({ from: '2026-02-30', to: '2026-03-01' })).toBe('from');
    expect(param({ from: '2026-10-05', to: '2026-10-01' })).toBe('to');
    expect(param({ from: '2024-01-01', to: '2026-01-01' })).toBe('to');
  });
});
