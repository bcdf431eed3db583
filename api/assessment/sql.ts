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

/** 延期 or 挂账: owned by the registration period (seed 004 第十一条). */
const SPANNING_SQL = '(c.extended_count > 0 OR c.suspended_seconds > 0 OR c.suspended_at IS NOT NULL)';
/** When a case is due to be closed (the period holding it owns its 应结案): see metrics.ts. */
const closeDueSql = (spanning: string) => `CASE WHEN ${spanning} THEN c.registered_at ELSE coalesce(least(c.deadline, c.closed_at), c.registered_at) END`;

/** Derived columns of a case for a period: live, spanning, due-at times, and the `f` row the conditions read. */
export const CASE_LATERALS = `CROSS JOIN LATERAL (SELECT
    -- registered before the end and not voided by then: the cases that can be due
    c.registered_at < $2 AND (c.voided_at IS NULL OR c.voided_at >= $2) AS live,
    -- 延期 or 挂账: owned by the registration period (seed 004 第十一条)
    ${SPANNING_SQL} AS spanning,
    coalesce(c.handled_at, c.closed_at) AS h
  ) s0
CROSS JOIN LATERAL (SELECT s0.*,
    ${closeDueSql('s0.spanning')} AS close_due_at,
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
 * 应结案数, 结案数 and 按期结案数 of consecutive months in one pass over `cases` (the manager view's 12-month trend)
 * instead of metricsSql once per month. Each of these counts has one owning month, so each case is placed in the
 * month of its due time (close_due_at, as in CASE_LATERALS) — and a spanning case also in the month it was closed —
 * and metricConditions' definitions are checked against that month alone:
 *   dueToClose    live at the month's end (registered before it, not voided by it) and due in the month;
 *   closed        ordinary case: due in the month, live, closed before its end; spanning case: live, closed in it;
 *   closedOnTime  closed, no later than the deadline;
 * with that month's CASE_WHERE. $1 = from[], $2 = to[] (timestamptz, months in order, oldest first). Rows:
 * period (1-based), unit0, the three counts. tests/integration/assessment-trend.test.ts holds it to metricsSql.
 */
export function closureSeriesSql(by: Breakdown): string {
  const closed = `(e.kind = 'closed' OR (e.kind = 'due' AND NOT s.spanning AND c.closed_at < m.t1))`;
  const monthWhere = CASE_WHERE.replace(/\$1(?!\d)/g, 'm.t0').replace(/\$2(?!\d)/g, 'm.t1').replace(/ *--.*$/m, '');
  return `
SELECT m.i AS period, u.unit0,
  count(*) FILTER (WHERE e.kind = 'due') AS "dueToClose",
  count(*) FILTER (WHERE ${closed}) AS "closed",
  count(*) FILTER (WHERE ${closed} AND c.closed_at <= coalesce(c.deadline, c.closed_at)) AS "closedOnTime"
FROM cases c
CROSS JOIN LATERAL (SELECT ${UNIT_SQL[by]} AS unit0) u
CROSS JOIN LATERAL (SELECT ${SPANNING_SQL} AS spanning) s
CROSS JOIN LATERAL (VALUES
    ('due', ${closeDueSql('s.spanning')}),
    ('closed', CASE WHEN s.spanning THEN c.closed_at END)
  ) e(kind, at)
-- the month the event falls in: a binary search over the months' starts (0 before the first, NULL for no time);
-- OFFSET 0 keeps the planner from inlining the search into every condition that reads the month
CROSS JOIN LATERAL (SELECT i, ($1::timestamptz[])[i] AS t0, ($2::timestamptz[])[i] AS t1
  FROM (SELECT width_bucket(e.at, $1::timestamptz[]) AS i OFFSET 0) b) m
WHERE coalesce(c.closed_at, c.voided_at, 'infinity'::timestamptz) >= ($1::timestamptz[])[1] -- cases_end_of_life_idx
  AND c.reported_at < ($2::timestamptz[])[cardinality($2::timestamptz[])]
  AND m.i > 0 AND e.at < m.t1
  AND ${monthWhere}
  AND c.registered_at < m.t1 AND (c.voided_at IS NULL OR c.voided_at >= m.t1)
GROUP BY 1, 2`;
}
