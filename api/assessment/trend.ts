/**
 * GET /api/assessment/trend: closure and on-time closure of the months ending with a month, per unit of a
 * breakdown and for the whole county — the manager view's 12-month trend in one pass over the cases
 * (api/assessment/sql.ts closureSeriesSql) instead of twelve calls of GET /api/assessment, each of which counts
 * its month and the month before with every metric. The figures are exactly those of GET /api/assessment.
 */
import { emptyCounts, rate, sumCounts, type Counts, type Rate } from '../domain/assessment/metrics.ts';
import { monthsEnding, type AssessmentPeriod } from '../domain/assessment/period.ts';
import { periodJson, UNASSIGNED, type AssessmentData, type PeriodJson, type UnitInfo } from './metrics.ts';
import { closureSeriesSql, type Breakdown } from './sql.ts';

export const TREND_COUNTS = ['dueToClose', 'closed', 'closedOnTime'] as const;

export interface TrendPoint {
  dueToClose: number;
  closed: number;
  closedOnTime: number;
  closureRate: Rate; // 结案率 = 结案数 / 应结案数
  onTimeClosureRate: Rate; // 按期结案率 = 按期结案数 / 应结案数
}

export interface TrendResult {
  by: Breakdown;
  /** oldest first; points[i] belongs to months[i] */
  months: PeriodJson[];
  total: TrendPoint[];
  rows: { unit: UnitInfo; points: TrendPoint[] }[];
}

const point = (c: Counts): TrendPoint => ({
  dueToClose: c.dueToClose,
  closed: c.closed,
  closedOnTime: c.closedOnTime,
  closureRate: rate(c.closed, c.dueToClose),
  onTimeClosureRate: rate(c.closedOnTime, c.dueToClose),
});

export async function monthlyTrend(data: AssessmentData, last: AssessmentPeriod, n: number, by: Breakdown): Promise<TrendResult> {
  const months = monthsEnding(last, n, data.settings.utcOffset);
  const [{ rows }, cat] = await Promise.all([
    data.pool.query<Record<string, unknown>>(closureSeriesSql(by), [months.map((m) => m.from), months.map((m) => m.to)]),
    data.catalog(by),
  ]);
  // unit → one Counts per month
  const byUnit = new Map<string | null, Counts[]>();
  for (const r of rows) {
    const key = (r.unit0 as string | null) ?? null;
    if (!byUnit.has(key)) byUnit.set(key, months.map(() => emptyCounts()));
    const c = byUnit.get(key)![Number(r.period) - 1];
    for (const k of TREND_COUNTS) c[k] = Number(r[k]);
  }
  // catalog order (departments and districts all listed, sources in their fixed order), then the rest, null last
  const keys: (string | null)[] = [...(cat.listAll ? cat.units.keys() : [...cat.units.keys()].filter((k) => byUnit.has(k)))];
  const rest = [...byUnit.keys()].filter((k): k is string => k !== null && !cat.units.has(k)).sort();
  keys.push(...rest);
  if (byUnit.has(null)) keys.push(null);
  const empty = months.map(() => emptyCounts());
  return {
    by,
    months: months.map(periodJson),
    total: months.map((_, i) => point(sumCounts([...byUnit.values()].map((list) => list[i])))),
    rows: keys.map((k) => ({
      unit: k === null ? { id: null, name: UNASSIGNED[by] } : cat.units.get(k) ?? { id: k, name: k },
      points: (byUnit.get(k) ?? empty).map(point),
    })),
  };
}
