// GET /api/analysis/zones: cases and violations per zone and per zone level, high-incidence zones and unit grids.
// Counts come from what intake recorded on each case (zones [{id, level}] and zone_violation), not from today's
// polygons: a zone redrawn later does not rewrite past months.
import pg from 'pg';
import { rankHighIncidence, violatedZone, type ZonesAnalysisConfig } from '../../domain/zone-analysis.ts';
import type { ZoneAtPoint, ZoneLevel, ZoneViolationLevel, ZoneWindow } from '../../domain/zones.ts';

import { inTransaction, tuneForAnalysis, type Client } from '../tx.ts';

export const ZONE_LEVELS: readonly ZoneLevel[] = ['prohibited', 'restricted', 'key'];

export interface CountByMinor {
  kind: string;
  minor: string;
  name: string | null;
  count: number;
}
export interface CountByDepartment {
  id: string | null;
  name: string | null;
  count: number;
}

export interface ZoneRow {
  id: string;
  /** null: a zone recorded on cases but no longer in the zones layer */
  name: string | null;
  level: ZoneLevel;
  districtCode: string | null;
  cases: number;
  violations: number;
  violationsByMinor: CountByMinor[];
  violationsByDepartment: CountByDepartment[];
  rank: number;
  highIncidence: boolean;
}

export interface ZonesResponse {
  from: string;
  to: string;
  zones: ZoneRow[];
  levels: { level: ZoneLevel; zones: number; cases: number; violations: number; violationsByMinor: CountByMinor[]; violationsByDepartment: CountByDepartment[] }[];
  grids: { total: number; withCases: number; cases: number; topN: number; highIncidence: { code: string; cases: number; rank: number }[] };
  /** violations whose case records no zone of the violated level (data imported without zones) */
  unattributedViolations: number;
  params: { highIncidence: ZonesAnalysisConfig['highIncidence'] };
}

class Tally {
  private readonly byMinor = new Map<string, number>();
  private readonly byDept = new Map<string | null, number>();
  total = 0;
  add(kind: string, minor: string, dept: string | null) {
    this.total++;
    const k = `${kind}:${minor}`;
    this.byMinor.set(k, (this.byMinor.get(k) ?? 0) + 1);
    this.byDept.set(dept, (this.byDept.get(dept) ?? 0) + 1);
  }
  minors(names: Map<string, string>): CountByMinor[] {
    return [...this.byMinor].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k, count]) => {
      const [kind, minor] = k.split(':');
      return { kind, minor, name: names.get(k) ?? null, count };
    });
  }
  departments(names: Map<string, string>): CountByDepartment[] {
    return [...this.byDept].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0]))).map(([id, count]) => ({ id, name: id === null ? null : names.get(id) ?? null, count }));
  }
}

/** A zone recorded on cases but gone from the zones layer: level only. */
const unknownZone = (id: string, level: ZoneLevel) => ({ id, name: '', level, windows: [], governedMinors: [], timeLimitClass: null, districtCode: null, known: false });

/** All counts from one snapshot (REPEATABLE READ), so zones, levels and grids add up while cases stream in. */
export function zoneAnalysis(db: pg.Pool | Client, cfg: ZonesAnalysisConfig, range: { from: number; to: number }): Promise<ZonesResponse> {
  return inTransaction(db, async (c) => {
    if (db instanceof pg.Pool) await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await tuneForAnalysis(c);
    return analyse(c, cfg, range);
  });
}

async function analyse(db: Client, cfg: ZonesAnalysisConfig, range: { from: number; to: number }): Promise<ZonesResponse> {
  const inRange = `c.reported_at >= $1 AND c.reported_at < $2 AND c.status <> 'voided'`;
  const p = [new Date(range.from), new Date(range.to)];
  const zonesQ = db.query<{ id: string; name: string; level: ZoneLevel; district_code: string | null; windows: ZoneWindow[]; governed_minors: string[] }>(
    'SELECT id, name, level, district_code, windows, governed_minors FROM zones ORDER BY id',
  );
  const perZoneQ = db.query<{ id: string; level: ZoneLevel; n: number }>(
    `SELECT e->>'id' AS id, min(e->>'level') AS level, count(DISTINCT (c.district_code, c.id))::int AS n
       FROM cases c CROSS JOIN LATERAL jsonb_array_elements(c.zones) e
      WHERE ${inRange} AND c.zones <> '[]'::jsonb GROUP BY 1`, p);
  const perLevelQ = db.query<{ level: ZoneLevel; n: number }>(
    `SELECT e->>'level' AS level, count(DISTINCT (c.district_code, c.id))::int AS n
       FROM cases c CROSS JOIN LATERAL jsonb_array_elements(c.zones) e
      WHERE ${inRange} AND c.zones <> '[]'::jsonb GROUP BY 1`, p);
  const violationsQ = db.query<{ zones: { id: string; level: ZoneLevel; violation?: boolean }[]; kind: string; minor: string; reported_at: Date; zone_violation: ZoneViolationLevel; department_id: string | null }>(
    `SELECT c.zones, c.kind, c.minor, c.reported_at, c.zone_violation, c.department_id FROM cases c WHERE ${inRange} AND c.zone_violation IS NOT NULL`, p);
  const gridsQ = db.query<{ code: string; n: number }>(
    `SELECT g.code, count(c.id)::int AS n FROM grids g LEFT JOIN cases c ON c.grid_code = g.code AND ${inRange} GROUP BY g.code ORDER BY g.code`, p);
  const deptQ = db.query<{ id: string; name: string }>('SELECT id, name FROM departments');
  const minorQ = db.query<{ k: string; name: string }>(`SELECT kind || ':' || code AS k, name FROM taxonomy WHERE level = 'minor'`);
  // one connection: the queries run one after another; awaited together only to keep the code flat
  const [zones, perZone, perLevel, violations, grids, depts, minors] = await Promise.all([zonesQ, perZoneQ, perLevelQ, violationsQ, gridsQ, deptQ, minorQ]);
  const deptNames = new Map(depts.rows.map((r) => [r.id, r.name]));
  const minorNames = new Map(minors.rows.map((r) => [r.k, r.name]));

  const zoneById = new Map<string, ZoneAtPoint & { districtCode: string | null; known: boolean }>();
  for (const z of zones.rows) {
    zoneById.set(z.id, { id: z.id, name: z.name, level: z.level, windows: z.windows ?? [], governedMinors: z.governed_minors ?? [], timeLimitClass: null, districtCode: z.district_code, known: true });
  }
  const caseCount = new Map<string, number>();
  for (const r of perZone.rows) {
    caseCount.set(r.id, r.n);
    if (!zoneById.has(r.id)) zoneById.set(r.id, unknownZone(r.id, r.level));
  }

  const zoneTally = new Map<string, Tally>();
  const levelTally = new Map<ZoneLevel, Tally>(ZONE_LEVELS.map((l) => [l, new Tally()]));
  let unattributed = 0;
  for (const v of violations.rows) {
    levelTally.get(v.zone_violation)?.add(v.kind, v.minor, v.department_id);
    const at = (v.zones ?? []).map((z) => ({ ...(zoneById.get(z.id) ?? unknownZone(z.id, z.level)), violation: z.violation === true }));
    const zid = violatedZone(at, `${v.kind}:${v.minor}`, v.reported_at, cfg.utcOffsetMinutes, v.zone_violation);
    if (zid === null) {
      unattributed++;
      continue;
    }
    let t = zoneTally.get(zid);
    if (!t) zoneTally.set(zid, (t = new Tally()));
    t.add(v.kind, v.minor, v.department_id);
  }

  const all = [...zoneById.values()];
  const { ranked } = rankHighIncidence(all.map((z) => caseCount.get(z.id) ?? 0), zones.rows.length, cfg.highIncidence);
  const zoneRows: ZoneRow[] = all.map((z, i) => {
    const t = zoneTally.get(z.id) ?? new Tally();
    return {
      id: z.id, name: z.known ? z.name : null, level: z.level, districtCode: z.districtCode, cases: caseCount.get(z.id) ?? 0, violations: t.total,
      violationsByMinor: t.minors(minorNames), violationsByDepartment: t.departments(deptNames), ...ranked[i],
    };
  });
  zoneRows.sort((a, b) => b.cases - a.cases || (a.id < b.id ? -1 : 1));

  const levelCases = new Map(perLevel.rows.map((r) => [r.level, r.n]));
  const levels = ZONE_LEVELS.map((level) => {
    const t = levelTally.get(level)!;
    return {
      level, zones: zones.rows.filter((z) => z.level === level).length, cases: levelCases.get(level) ?? 0, violations: t.total,
      violationsByMinor: t.minors(minorNames), violationsByDepartment: t.departments(deptNames),
    };
  });

  const g = rankHighIncidence(grids.rows.map((r) => r.n), grids.rows.length, cfg.highIncidence);
  const highGrids = grids.rows
    .map((r, i) => ({ code: r.code, cases: r.n, ...g.ranked[i] }))
    .filter((r) => r.highIncidence)
    .sort((a, b) => b.cases - a.cases || (a.code < b.code ? -1 : 1))
    .map(({ code, cases, rank }) => ({ code, cases, rank }));

  return {
    from: new Date(range.from).toISOString(),
    to: new Date(range.to).toISOString(),
    zones: zoneRows,
    levels,
    grids: { total: grids.rows.length, withCases: grids.rows.filter((r) => r.n > 0).length, cases: grids.rows.reduce((s, r) => s + r.n, 0), topN: g.topN, highIncidence: highGrids },
    unattributedViolations: unattributed,
    params: { highIncidence: cfg.highIncidence },
  };
}
