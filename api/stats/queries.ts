/**
 * The wall's figures, one SQL statement per figure set. Definitions (the wall shows exactly these numbers):
 *
 * Periods (api/domain/periods.ts): today / this month so far, each against the same stretch of the period before.
 * A period P is [from, to) and is read "as of" `to`: what had happened by then.
 *
 * KPIs of a period P (kpis):
 *   上报数    reported    cases reported in P (reported_at ∈ P), voided ones included: every report counts.
 *   立案数    registered  cases registered in P (registered_at ∈ P) and not voided by the end of P — the period's
 *                        cohort; the rates below are over this cohort, as the bulletins count them
 *                        ("本月立案 N 件，结案 M 件，结案率 M/应结").
 *   结案数    closed      cohort cases closed by the end of P.
 *   应结案数  due         cohort cases that are closed or past their deadline by the end of P (立案数 minus cases
 *                        still open and not yet due); suspended (挂账) cases count as not due: their clock is paused.
 *   按期结案数 onTime     cohort cases closed by the end of P and no later than their deadline.
 *   结案率 = 结案数 / 应结案数;  按期结案率 = 按期结案数 / 应结案数  (null when 应结案数 = 0).
 *   超期未结  overdueOpen open cases past their deadline at the end of P. For the current periods (as of now) this
 *                        is the stored red light (亮灯 red, not closed or voided): the same cases the map draws red.
 *                        For the previous periods it is rebuilt from timestamps: registered before, not closed or
 *                        voided by, and deadline before the end of P, not suspended now.
 *   Rebuilt past states use today's deadline column (a later extension moves it) — close, not exact.
 *
 * Breakdowns (top minors, sources, districts) count valid reports: cases reported in P that are not voided
 * (作废 reports are mostly duplicates and are not problems of the city).
 * Department staff only ever count their own department's cases (`dept` parameter, null for everyone else).
 */
import type pg from 'pg';
import type { PeriodPair, ReportingPeriods } from '../domain/periods.ts';

export interface Rate {
  value: number | null;
  numerator: number;
  denominator: number;
}

export interface KpiFigures {
  from: string;
  to: string;
  reported: number;
  registered: number;
  closed: number;
  due: number;
  onTime: number;
  closureRate: Rate;
  onTimeRate: Rate;
  overdueOpen: number;
}

const KPI_SQL = `
WITH p AS (
  SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::bool[]) AS p(name, t0, t1, live)
)
SELECT p.name,
  count(*) FILTER (WHERE c.reported_at >= p.t0 AND c.reported_at < p.t1) AS reported,
  count(*) FILTER (WHERE f.cohort) AS registered,
  count(*) FILTER (WHERE f.cohort AND f.closed) AS closed,
  count(*) FILTER (WHERE f.cohort AND (f.closed OR (c.deadline < p.t1 AND c.status <> 'suspended'))) AS due,
  count(*) FILTER (WHERE f.cohort AND f.closed AND c.closed_at <= c.deadline) AS on_time,
  count(*) FILTER (WHERE CASE WHEN p.live
      THEN c.status NOT IN ('closed', 'voided') AND c.light = 'red'
      ELSE c.registered_at < p.t1 AND c.deadline < p.t1 AND c.status <> 'suspended'
        AND (c.closed_at IS NULL OR c.closed_at >= p.t1) AND (c.voided_at IS NULL OR c.voided_at >= p.t1)
    END) AS overdue_open
FROM p
CROSS JOIN cases c
CROSS JOIN LATERAL (SELECT
    c.registered_at >= p.t0 AND c.registered_at < p.t1 AND (c.voided_at IS NULL OR c.voided_at >= p.t1) AS cohort,
    c.closed_at IS NOT NULL AND c.closed_at < p.t1 AS closed) f
WHERE ($5::text IS NULL OR c.department_id = $5)
GROUP BY p.name`;

const rate = (numerator: number, denominator: number): Rate => ({
  value: denominator ? numerator / denominator : null,
  numerator,
  denominator,
});

export interface Kpis {
  today: { current: KpiFigures; previous: KpiFigures };
  month: { current: KpiFigures; previous: KpiFigures };
}

export async function kpis(pool: pg.Pool, periods: ReportingPeriods, dept: string | null): Promise<Kpis> {
  const list = [
    ['today', periods.today.current, true],
    ['yesterday', periods.today.previous, false],
    ['month', periods.month.current, true],
    ['lastMonth', periods.month.previous, false],
  ] as const;
  const { rows } = await pool.query<{ name: string; reported: string; registered: string; closed: string; due: string; on_time: string; overdue_open: string }>(
    KPI_SQL,
    [list.map((l) => l[0]), list.map((l) => l[1].from), list.map((l) => l[1].to), list.map((l) => l[2]), dept],
  );
  const figures = (name: string): KpiFigures => {
    const p = list.find((l) => l[0] === name)![1];
    const r = rows.find((x) => x.name === name);
    const n = (v: string | undefined) => Number(v ?? 0);
    const closed = n(r?.closed);
    const due = n(r?.due);
    const onTime = n(r?.on_time);
    return {
      from: p.from.toISOString(),
      to: p.to.toISOString(),
      reported: n(r?.reported),
      registered: n(r?.registered),
      closed,
      due,
      onTime,
      closureRate: rate(closed, due),
      onTimeRate: rate(onTime, due),
      overdueOpen: n(r?.overdue_open),
    };
  };
  return {
    today: { current: figures('today'), previous: figures('yesterday') },
    month: { current: figures('month'), previous: figures('lastMonth') },
  };
}

// --------------------------------------------------------------------------------------------- top minors

export interface MinorCount {
  kind: 'component' | 'event';
  code: string;
  name: string | null;
  rank: number;
  current: number;
  previous: number;
  /** (current − previous) / previous; null when previous is 0. */
  change: number | null;
}

/** Top-n minors per kind by valid reports this month so far, with the same stretch of last month. */
const TOP_MINORS_SQL = `
WITH counts AS (
  SELECT c.kind, c.minor,
    count(*) FILTER (WHERE c.reported_at >= $1 AND c.reported_at < $2) AS current,
    count(*) FILTER (WHERE c.reported_at >= $3 AND c.reported_at < $4) AS previous
  FROM cases c
  WHERE c.status <> 'voided' AND c.reported_at >= least($1::timestamptz, $3::timestamptz)
    AND c.reported_at < greatest($2::timestamptz, $4::timestamptz) AND ($7::text IS NULL OR c.department_id = $7)
  GROUP BY c.kind, c.minor
), ranked AS (
  SELECT *, row_number() OVER (PARTITION BY kind ORDER BY current DESC, minor) AS rank FROM counts WHERE current > 0
)
SELECT r.kind, r.minor, r.current, r.previous, r.rank,
  (SELECT t.name FROM taxonomy t WHERE t.kind = r.kind AND t.code = r.minor AND t.level = 'minor'
    ORDER BY t.standard = $6 DESC, t.standard LIMIT 1) AS name
FROM ranked r WHERE r.rank <= $5 ORDER BY r.kind, r.rank`;

const change = (current: number, previous: number) => (previous ? (current - previous) / previous : null);

export async function topMinors(pool: pg.Pool, month: PeriodPair, n: number, standard: string, dept: string | null) {
  const { rows } = await pool.query<{ kind: 'component' | 'event'; minor: string; name: string | null; current: string; previous: string; rank: string }>(
    TOP_MINORS_SQL,
    [month.current.from, month.current.to, month.previous.from, month.previous.to, n, standard, dept],
  );
  const items: MinorCount[] = rows.map((r) => ({
    kind: r.kind,
    code: r.minor,
    name: r.name,
    rank: Number(r.rank),
    current: Number(r.current),
    previous: Number(r.previous),
    change: change(Number(r.current), Number(r.previous)),
  }));
  return { event: items.filter((i) => i.kind === 'event'), component: items.filter((i) => i.kind === 'component') };
}

// ------------------------------------------------------------------------------------------------ sources

/** Valid reports per source (问题来源), this month so far and the same stretch of last month. */
const SOURCES_SQL = `
SELECT c.source,
  count(*) FILTER (WHERE c.reported_at >= $1 AND c.reported_at < $2) AS current,
  count(*) FILTER (WHERE c.reported_at >= $3 AND c.reported_at < $4) AS previous
FROM cases c
WHERE c.status <> 'voided' AND c.reported_at >= least($1::timestamptz, $3::timestamptz)
  AND c.reported_at < greatest($2::timestamptz, $4::timestamptz) AND ($5::text IS NULL OR c.department_id = $5)
GROUP BY c.source`;

export async function sources(pool: pg.Pool, month: PeriodPair, all: readonly string[], dept: string | null) {
  const { rows } = await pool.query<{ source: string; current: string; previous: string }>(SOURCES_SQL, [
    month.current.from, month.current.to, month.previous.from, month.previous.to, dept,
  ]);
  const total = rows.reduce((s, r) => s + Number(r.current), 0);
  // Every source, in the fixed order, so the wall's bars do not jump about.
  return all.map((source) => {
    const r = rows.find((x) => x.source === source);
    const current = Number(r?.current ?? 0);
    return { source, current, previous: Number(r?.previous ?? 0), share: total ? current / total : null };
  });
}

// ---------------------------------------------------------------------------------------------- districts

export type DistrictLevel = 'street' | 'community';
const DISTRICT_COLUMN: Record<DistrictLevel, string> = { street: 'street_code', community: 'community_code' };

/**
 * Per street (or community): valid reports this month so far and in the same stretch of last month; open cases
 * and red lights now (the same open / red definition as the KPIs' current 超期未结).
 */
const districtsSql = (level: DistrictLevel) => `
SELECT d.code, d.name,
  count(c.id) FILTER (WHERE c.status <> 'voided' AND c.reported_at >= $1 AND c.reported_at < $2) AS current,
  count(c.id) FILTER (WHERE c.status <> 'voided' AND c.reported_at >= $3 AND c.reported_at < $4) AS previous,
  count(c.id) FILTER (WHERE c.status NOT IN ('closed', 'voided')) AS open,
  count(c.id) FILTER (WHERE c.status NOT IN ('closed', 'voided') AND c.light = 'red') AS red
FROM districts d
LEFT JOIN cases c ON c.${DISTRICT_COLUMN[level]} = d.code AND ($6::text IS NULL OR c.department_id = $6)
WHERE d.level = $5
GROUP BY d.code, d.name
ORDER BY current DESC, d.code`;

export async function districts(pool: pg.Pool, month: PeriodPair, level: DistrictLevel, dept: string | null) {
  const { rows } = await pool.query<{ code: string; name: string; current: string; previous: string; open: string; red: string }>(
    districtsSql(level),
    [month.current.from, month.current.to, month.previous.from, month.previous.to, level, dept],
  );
  return rows.map((r) => ({
    code: r.code,
    name: r.name,
    current: Number(r.current),
    previous: Number(r.previous),
    open: Number(r.open),
    red: Number(r.red),
  }));
}
