/**
 * The one statement that counts a period: every metric of api/domain/assessment/metrics.ts for every unit of a
 * breakdown, in one pass over `cases` (GROUP BY the unit, one FILTER per count). Definitions live in metrics.ts;
 * each FILTER below is that definition in SQL. Runs on PostgreSQL 15 and PGlite (no time-zone database needed:
 * local time of day is epoch arithmetic with the configured offset).
 */
import type { CountMetric } from '../domain/assessment/metrics.ts';
import type { TimeWindow } from './config.ts';

export const BREAKDOWNS = ['department', 'district', 'street', 'grid', 'source', 'major', 'minor'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

/** SQL of a breakdown's unit key (kind-qualified for categories: component and event codes overlap). */
export const UNIT_SQL: Record<Breakdown, string> = {
  department: 'c.department_id',
  district: 'c.district_code',
  street: 'c.street_code',
  grid: 'c.grid_code',
  source: 'c.source',
  major: `c.kind || ':' || c.major`,
  minor: `c.kind || ':' || c.minor`,
};

/** Time-window test on seconds after local midnight (`s`): literals only, from validated settings. */
function windowSql(windows: TimeWindow[], offsetSeconds: number): string {
  if (!windows.length) return 'false';
  const s = `((floor(extract(epoch FROM c.reported_at))::bigint + ${Math.trunc(offsetSeconds)}) % 86400 + 86400) % 86400`;
  return `(${windows.map((w) => (w.from < w.to ? `(${s} >= ${w.from} AND ${s} < ${w.to})` : `(${s} >= ${w.from} OR ${s} < ${w.to})`)).join(' OR ')})`;
}

export interface MetricsSqlOptions {
  /** one breakdown, or several counted in the same pass (rows per combination, summed per breakdown by the caller) */
  by: Breakdown | Breakdown[];
  windows: TimeWindow[];
  offsetSeconds: number;
  /** cases.is_repeat exists (repeats migration applied) */
  hasRepeat: boolean;
}

/** Each count's condition over the derived columns of CASE_LATERALS (the definitions of metrics.ts in SQL). */
export function metricConditions(o: Omit<MetricsSqlOptions, 'by'>): Record<CountMetric, string> {
  return {
    reported: `c.reported_at >= $1`,
    accepted: `c.accepted_at >= $1 AND c.accepted_at < $2`,
    registered: `f.cohort`,
    voided: `c.voided_at >= $1 AND c.voided_at < $2`,
    dueToHandle: `f.due_handle`,
    handled: `f.handled`,
    handledOnTime: `f.handled AND f.h <= coalesce(c.deadline, f.h)`,
    dueToClose: `f.due_close`,
    closed: `f.closed`,
    closedOnTime: `f.closed AND c.closed_at <= coalesce(c.deadline, c.closed_at)`,
    closedLate: `f.closed AND c.closed_at > c.deadline`,
    unclosed: `f.due_close AND NOT f.closed_by_end`,
    reworked: `f.due_close AND c.rework_count > 0`,
    redispatched: `f.due_handle AND c.redispatch_count > 0`,
    extended: `f.due_handle AND c.extended_count > 0`,
    suspended: `f.due_handle AND (c.suspended_seconds > 0 OR c.suspended_at IS NOT NULL)`,
    repeatCases: o.hasRepeat ? `f.cohort AND c.is_repeat` : `false`,
    keyCases: `f.cohort AND c.is_key`,
    mediaCases: `f.cohort AND c.source = 'media'`,
    timeWindowCases: `f.cohort AND ${windowSql(o.windows, o.offsetSeconds)}`,
    zoneProhibited: `f.cohort AND c.zone_violation = 'prohibited'`,
    zoneRestricted: `f.cohort AND c.zone_violation = 'restricted'`,
    overdueOpen: `f.open_at_end AND c.deadline < $2 AND NOT (c.suspended_at IS NOT NULL AND c.suspended_at < $2)`,
    openAtEnd: `f.open_at_end`,
  };
}

/** Derived columns of a case for a period: live, spanning, due-at times, and the `f` row the conditions read. */
export const CASE_LATERALS = `CROSS JOIN LATERAL (SELECT
    -- registered before the end and not voided by then: the cases that can be due
    c.registered_at < $2 AND (c.voided_at IS NULL OR c.voided_at >= $2) AS live,
    -- 延期 or 挂账: owned by the registration period (seed 004 第十一条)
    (c.extended_count > 0 OR c.suspended_seconds > 0 OR c.suspended_at IS NOT NULL) AS spanning,
    coalesce(c.handled_at, c.closed_at) AS h
  ) s0
CROSS JOIN LATERAL (SELECT s0.*,
    CASE WHEN s0.spanning THEN c.registered_at ELSE coalesce(least(c.deadline, c.closed_at), c.registered_at) END AS close_due_at,
    CASE WHEN s0.spanning THEN c.registered_at ELSE coalesce(least(c.deadline, s0.h), c.registered_at) END AS handle_due_at,
    coalesce(c.closed_at < $2, false) AS closed_by_end
  ) s1
CROSS JOIN LATERAL (SELECT s1.*,
    s1.live AND c.registered_at >= $1 AS cohort,
    s1.live AND s1.close_due_at >= $1 AND s1.close_due_at < $2 AS due_close,
    s1.live AND s1.handle_due_at >= $1 AND s1.handle_due_at < $2 AS due_handle,
    s1.live AND (c.closed_at IS NULL OR c.closed_at >= $2) AS open_at_end
  ) s2
CROSS JOIN LATERAL (SELECT s2.*,
    CASE WHEN s2.spanning THEN s2.live AND c.closed_at >= $1 AND c.closed_at < $2
         ELSE s2.due_close AND s2.closed_by_end END AS closed,
    CASE WHEN s2.spanning THEN s2.live AND s2.h >= $1 AND s2.h < $2
         ELSE s2.due_handle AND s2.h < $2 END AS handled
  ) f`;

/** Every case any count can need: reported before `to`, neither closed nor voided before `from`. */
export const CASE_WHERE = `coalesce(c.closed_at, c.voided_at, 'infinity'::timestamptz) >= $1 AND c.reported_at < $2 -- cases_end_of_life_idx
  AND (c.closed_at IS NULL OR c.closed_at >= $1) AND (c.voided_at IS NULL OR c.voided_at >= $1)`;

/**
 * $1 = from, $2 = to (timestamptz). Returns one row per unit — per combination of units when several breakdowns
 * are asked for (`unit0`, `unit1` …; counts are additive, so each breakdown is the sum over the others) — and one
 * bigint column per count metric. The WHERE keeps every case any count can need: reported before `to`, and
 * neither closed nor voided before `from` (a case closed or voided earlier has no timestamp in P and is not open
 * at its end).
 */
export function metricsSql(o: MetricsSqlOptions): string {
  const bys = Array.isArray(o.by) ? o.by : [o.by];
  const cols = Object.entries(metricConditions(o)).map(([k, cond]) => `count(*) FILTER (WHERE ${cond}) AS "${k}"`);
  const units = bys.map((b, i) => `${UNIT_SQL[b]} AS unit${i}`);
  return `
SELECT ${bys.map((_, i) => `u.unit${i}`).join(', ')}, ${cols.join(',\n  ')}
FROM cases c
CROSS JOIN LATERAL (SELECT ${units.join(', ')}) u
${CASE_LATERALS}
WHERE ${CASE_WHERE}
GROUP BY ${bys.map((_, i) => `u.unit${i}`).join(', ')}`;
}

/**
 * The bulletin's reasons for deductions (三): per department and minor, the registration cohort's repeat, key,
 * time-window and zone-violation cases — the same conditions as those counts in metricsSql. $1 = from, $2 = to.
 */
export function reasonsSql(o: Omit<MetricsSqlOptions, 'by'>): string {
  const repeat = o.hasRepeat ? 'c.is_repeat' : 'false';
  const win = windowSql(o.windows, o.offsetSeconds);
  return `
SELECT c.department_id AS department, c.kind, c.minor,
  count(*) FILTER (WHERE ${repeat}) AS "repeatCases",
  count(*) FILTER (WHERE c.is_key) AS "keyCases",
  count(*) FILTER (WHERE ${win}) AS "timeWindowCases",
  count(*) FILTER (WHERE c.zone_violation = 'prohibited') AS "zoneProhibited",
  count(*) FILTER (WHERE c.zone_violation = 'restricted') AS "zoneRestricted"
FROM cases c
WHERE coalesce(c.closed_at, c.voided_at, 'infinity'::timestamptz) >= $1 AND c.reported_at < $2 -- implied; for the index
  AND c.registered_at >= $1 AND c.registered_at < $2 AND (c.voided_at IS NULL OR c.voided_at >= $2)
  AND (${repeat} OR c.is_key OR c.zone_violation IS NOT NULL OR ${win})
GROUP BY 1, 2, 3`;
}

/**
 * Some counts of several periods in one statement (the manager view's 12-month trend): metricsSql's counting,
 * run once per period as a lateral subquery — each period reads the index as a single period does — and only
 * for the counts asked for. $1 = from[], $2 = to[] (timestamptz arrays); rows (period = 1-based index, unit0,
 * one bigint column per count).
 */
export function seriesSql(o: Omit<MetricsSqlOptions, 'by'> & { by: Breakdown; metrics: readonly CountMetric[] }): string {
  const cond = metricConditions(o);
  const cols = o.metrics.map((k) => `count(*) FILTER (WHERE ${cond[k]}) AS "${k}"`);
  const perPeriod = `
  SELECT u.unit0, ${cols.join(', ')}
  FROM cases c
  CROSS JOIN LATERAL (SELECT ${UNIT_SQL[o.by]} AS unit0) u
  ${CASE_LATERALS}
  WHERE ${CASE_WHERE}
  GROUP BY u.unit0`.replace(/\$1(?!\d)/g, 'p.t0').replace(/\$2(?!\d)/g, 'p.t1');
  return `
SELECT p.i AS period, x.*
FROM unnest($1::timestamptz[], $2::timestamptz[]) WITH ORDINALITY AS p(t0, t1, i)
CROSS JOIN LATERAL (${perPeriod}
) x`;
}
