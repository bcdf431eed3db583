// Pure helpers of the manager view (web/src/views/assessment/model.ts): period choices → API parameters, the
// trend's end, formats as the bulletins print them, period-on-period changes, sorting and chart scales.
import { describe, expect, it } from 'vitest';
import {
  bulletinMonth, countChange, defaultPeriod, forGroup, inputPeriod, linePath, nextSort, percent, periodMonths, periodOptions,
  periodQuery, periodRange, periodTitle, rateChange, rateDomain, sortRows, trendEnd,
} from '../../web/src/views/assessment/model.ts';
import { parsePeriod } from '../../api/domain/assessment/period.ts';

// 2026-11-22 03:00 UTC = 11:00 in China; 2026-11-30 20:00 UTC is already 12-01 there
const NOW = new Date('2026-11-22T03:00:00Z');
const rate = (numerator: number, denominator: number) => ({ numerator, denominator, value: denominator ? numerator / denominator : null });

describe('manager view: periods', () => {
  it('offers months, quarters and years up to now (China time), newest first, and opens on the last whole one', () => {
    const months = periodOptions('month', NOW);
    expect(months).toHaveLength(24);
    expect(months.slice(0, 3).map((o) => o.value)).toEqual(['2026-11', '2026-10', '2026-09']);
    expect(months[0].label).toBe('2026年11月（至今）');
    expect(months[23].value).toBe('2024-12');
    expect(periodOptions('month', new Date('2026-11-30T20:00:00Z'))[0].value).toBe('2026-12');
    expect(periodOptions('quarter', NOW).slice(0, 5).map((o) => o.value)).toEqual(['2026-Q4', '2026-Q3', '2026-Q2', '2026-Q1', '2025-Q4']);
    expect(periodOptions('year', NOW).map((o) => o.value)).toEqual(['2026', '2025', '2024']);
    expect(defaultPeriod('month', NOW)).toEqual({ kind: 'month', value: '2026-10' });
    expect(defaultPeriod('quarter', NOW)).toEqual({ kind: 'quarter', value: '2026-Q3' });
    expect(defaultPeriod('year', NOW)).toEqual({ kind: 'year', value: '2026' });
    expect(periodTitle({ kind: 'quarter', value: '2026-Q3' })).toBe('2026年第三季度');
  });

  it('a quarter is sent as from/to and the API reads it as those three months', () => {
    expect(periodQuery({ kind: 'month', value: '2026-10' })).toEqual({ period: '2026-10' });
    expect(periodQuery({ kind: 'year', value: '2026' })).toEqual({ period: '2026' });
    const q1 = periodQuery({ kind: 'quarter', value: '2024-Q1' });
    expect(q1).toEqual({ from: '2024-01-01', to: '2024-03-31' });
    const p = parsePeriod(periodQuery({ kind: 'quarter', value: '2026-Q4' }));
    expect([p.from.toISOString(), p.to.toISOString()]).toEqual([parsePeriod({ period: '2026-10' }).from.toISOString(), parsePeriod({ period: '2027-01' }).from.toISOString()]);
    expect(periodMonths({ kind: 'quarter', value: '2026-Q4' })).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(periodRange({ from: p.from.toISOString(), to: p.to.toISOString() })).toBe('2026-10-01 至 2026-12-31');
  });

  it('the trend ends with the period\'s last month, never after this month; bulletins and inputs by month or year', () => {
    expect(trendEnd({ kind: 'month', value: '2026-10' }, NOW)).toBe('2026-10');
    expect(trendEnd({ kind: 'quarter', value: '2026-Q3' }, NOW)).toBe('2026-09');
    expect(trendEnd({ kind: 'quarter', value: '2026-Q4' }, NOW)).toBe('2026-11');
    expect(trendEnd({ kind: 'year', value: '2025' }, NOW)).toBe('2025-12');
    expect(trendEnd({ kind: 'year', value: '2026' }, NOW)).toBe('2026-11');
    expect(bulletinMonth({ kind: 'month', value: '2026-10' })).toBe('2026-10');
    expect(bulletinMonth({ kind: 'quarter', value: '2026-Q3' })).toBeNull();
    expect(inputPeriod({ kind: 'month', value: '2026-10' }, 'mean-of-months')).toEqual({ label: '2026-10' });
    expect(inputPeriod({ kind: 'year', value: '2026' }, 'recompute')).toEqual({ label: '2026' });
    expect(inputPeriod({ kind: 'year', value: '2026' }, 'mean-of-months')).toHaveProperty('reason');
    expect(inputPeriod({ kind: 'quarter', value: '2026-Q3' }, 'recompute')).toHaveProperty('reason');
  });
});

describe('manager view: numbers', () => {
  it('prints rates as the bulletins do (seed 003: 19/33 → 57.58 %), half away from zero', () => {
    expect(percent(rate(19, 33).value)).toBe('57.58%');
    expect(percent(1)).toBe('100.00%');
    expect(percent(0.000_05)).toBe('0.01%');
    expect(percent(null)).toBe('—');
  });

  it('changes: rates in percentage points, counts in cases', () => {
    expect(rateChange(rate(19, 33), rate(18, 30))).toEqual({ text: '▼2.4', dir: 'down', points: -2.4 });
    expect(rateChange(rate(30, 30), rate(29, 30))).toEqual({ text: '▲3.3', dir: 'up', points: 3.3 });
    expect(rateChange(rate(1, 2), rate(2, 4)).dir).toBe('flat');
    expect(rateChange(rate(1, 2), rate(0, 0)).dir).toBe('none');
    expect(countChange(1200, 1188)).toEqual({ text: '▲12', dir: 'up' });
    expect(countChange(3, 5)).toEqual({ text: '▼2', dir: 'down' });
  });

  it('per-group maxima as the API takes them', () => {
    expect(forGroup(10, 'A')).toBe(10);
    expect(forGroup({ A: 18, B: 20 }, 'A')).toBe(18);
    expect(forGroup({ A: 18, '*': 20 }, 'B')).toBe(20);
    expect(forGroup({ A: 18, B: 20 }, null)).toBe(20);
  });
});

describe('manager view: sorting and charts', () => {
  const rows = [
    { n: '乙', v: 0.5 as number | null },
    { n: '甲', v: null },
    { n: '丙', v: 0.9 },
    { n: '丁', v: 0.5 },
  ];
  it('header clicks: numbers largest first, then smallest first, then the API order; text A→Z first', () => {
    expect(nextSort(null, 'closureRate', true)).toEqual({ key: 'closureRate', dir: 'desc' });
    expect(nextSort({ key: 'closureRate', dir: 'desc' }, 'closureRate', true)).toEqual({ key: 'closureRate', dir: 'asc' });
    expect(nextSort({ key: 'closureRate', dir: 'asc' }, 'closureRate', true)).toBeNull();
    expect(nextSort({ key: 'closureRate', dir: 'asc' }, 'unit', false)).toEqual({ key: 'unit', dir: 'asc' });
  });
  it('sorts stably with missing values last either way', () => {
    expect(sortRows(rows, (r) => r.v, 'desc').map((r) => r.n)).toEqual(['丙', '乙', '丁', '甲']);
    expect(sortRows(rows, (r) => r.v, 'asc').map((r) => r.n)).toEqual(['乙', '丁', '丙', '甲']);
    expect(sortRows([{ n: 'D10' }, { n: 'D9' }, { n: 'D1' }], (r) => r.n, 'asc').map((r) => r.n)).toEqual(['D1', 'D9', 'D10']);
  });
  it('rate axis covers the data and 100 %; lines break at missing months', () => {
    expect(rateDomain([0.93, 0.97, null])).toEqual([0.8, 1]);
    expect(rateDomain([0.5, 1.04])).toEqual([0.4, 1.1]);
    expect(rateDomain([])).toEqual([0, 1]);
    expect(rateDomain([1, 1])).toEqual([0.9, 1]);
    expect(linePath([{ x: 0, y: 1 }, { x: 2, y: 3 }, null, { x: 4, y: 5 }])).toBe('M0.0,1.0L2.0,3.0M4.0,5.0');
  });
});
