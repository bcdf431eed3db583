/**
 * Reporting periods of the wall's KPIs, in China Standard Time (Asia/Shanghai, UTC+8 all year: China has had no
 * daylight saving since 1991, so a fixed offset is exact and needs no time-zone database — PGlite has none).
 *
 * "Today" is local midnight → as-of; "this month" is the 1st, 00:00 local → as-of. Each is compared with the same
 * elapsed stretch of the period before (昨日同期 / 上月同期): yesterday 00:00 → yesterday at the as-of clock time,
 * and the previous month's 1st → the same offset into it, cut at that month's end. Comparing a part-day with a
 * whole day would make every morning look like a collapse.
 * Pure: no I/O, no host time zone.
 */

export const CST_OFFSET_MS = 8 * 3600_000;
export const TIME_ZONE = 'Asia/Shanghai';

/** Half-open [from, to): `to` is also the instant the period's state is read at (its "as of"). */
export interface Period {
  from: Date;
  to: Date;
}

export interface PeriodPair {
  current: Period;
  previous: Period;
}

export interface ReportingPeriods {
  asOf: Date;
  today: PeriodPair;
  month: PeriodPair;
}

const DAY_MS = 86_400_000;

/** Local (UTC+8) calendar fields of an instant. */
function local(t: Date): { y: number; m: number; d: number } {
  const l = new Date(t.getTime() + CST_OFFSET_MS);
  return { y: l.getUTCFullYear(), m: l.getUTCMonth(), d: l.getUTCDate() };
}

/** The instant of local midnight of y-m-d (month may overflow: Date.UTC normalises). */
const localMidnight = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d) - CST_OFFSET_MS);

/** Local "YYYY-MM-DD" of an instant. */
export function localDay(t: Date): string {
  return new Date(t.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

export function reportingPeriods(asOf: Date): ReportingPeriods {
  const { y, m, d } = local(asOf);
  const dayStart = localMidnight(y, m, d);
  const monthStart = localMidnight(y, m, 1);
  const prevMonthStart = localMidnight(y, m - 1, 1);
  const intoMonth = asOf.getTime() - monthStart.getTime();
  return {
    asOf,
    today: {
      current: { from: dayStart, to: asOf },
      previous: { from: new Date(dayStart.getTime() - DAY_MS), to: new Date(asOf.getTime() - DAY_MS) },
    },
    month: {
      current: { from: monthStart, to: asOf },
      previous: { from: prevMonthStart, to: new Date(Math.min(prevMonthStart.getTime() + intoMonth, monthStart.getTime())) },
    },
  };
}
