// The batch answer of GET /api/analysis/repeats: groups computed from the cases (not the stored groups), so what-if
// overrides apply, as GeoJSON with totals.
import type pg from 'pg';
import { periodOf, type RepeatGroup, type RoadClass } from '../../domain/repeats.ts';
import { computeGroups } from './store.ts';
import type { RepeatQuery } from './query.ts';

import { inTransaction, type Client } from '../tx.ts';

export interface RepeatGroupProperties {
  id: string;
  districtCode: string;
  kind: string;
  minor: string;
  period: string;
  roadClass: RoadClass;
  keyArea: boolean;
  threshold: number;
  size: number;
  /** members reported inside [from, to) */
  sizeInRange: number;
  reached: boolean;
  reachedAt: string | null;
  firstAt: string;
  lastAt: string;
  /** case ids in time order, the anchor first */
  members: string[];
  /** departments of the members, most members first */
  departments: { id: string | null; cases: number }[];
}

export interface RepeatsResponse {
  type: 'FeatureCollection';
  features: { type: 'Feature'; id: string; geometry: { type: 'Point'; coordinates: [number, number] }; properties: RepeatGroupProperties }[];
  totals: {
    /** cases in [from, to) taking part (not voided, not excluded, matching the filters) */
    cases: number;
    /** of those, the repeat cases: their group reached its threshold by `to` */
    repeatCases: number;
    /** groups with a member in [from, to) matching the filters, of any size */
    groups: number;
    reachedGroups: number;
    /** features returned (minSize / reached filters) */
    returned: number;
    byRoadClass: Record<RoadClass, { groups: number; reachedGroups: number; repeatCases: number }>;
  };
  params: Record<string, unknown>;
}

const iso = (us: number) => new Date(Math.floor(us / 1000)).toISOString();

/**
 * Groups of the cases reported in [from, to). Grouping starts at the beginning of the period containing `from`,
 * so each case gets exactly the group intake gave it; sizes and `reached` are as of `to`.
 * A department filter selects groups with a member of that department (grouping itself ignores departments);
 * a street / community filter selects groups whose anchor lies in it.
 */
export function repeatGroups(db: pg.Pool | Client, srid: number, q: RepeatQuery): Promise<RepeatsResponse> {
  return inTransaction(db, (c) => compute(c, srid, q));
}

async function compute(db: Client, srid: number, q: RepeatQuery): Promise<RepeatsResponse> {
  const r = q.rules;
  const start = periodOf(q.from, r.period, r.utcOffsetMinutes).start;
  const area = q.district?.length === 9 ? 'street' : q.district?.length === 12 ? 'community' : undefined;
  const { cols, departments, area: areas, grouping: G } = await computeGroups(
    db, srid, r,
    { from: start, to: q.to, districtCode: q.district?.slice(0, 6), kind: q.minor?.kind, minor: q.minor?.code },
    { snapAll: 'snap' in q.overrides, area },
  );
  const fromUs = q.from * 1000;
  const byRoadClass = { main: { groups: 0, reachedGroups: 0, repeatCases: 0 }, secondary: { groups: 0, reachedGroups: 0, repeatCases: 0 }, alley: { groups: 0, reachedGroups: 0, repeatCases: 0 } };
  const totals = { cases: 0, repeatCases: 0, groups: 0, reachedGroups: 0, returned: 0, byRoadClass };
  const out: { g: RepeatGroup; inRange: number }[] = [];
  for (let gi = 0; gi < G.count; gi++) {
    if (cols.t[G.last[gi]] < fromUs) continue; // no member in range
    if (area && areas![G.anchor[gi]] !== q.district) continue;
    const members = G.anchor[gi] === G.last[gi] ? [G.anchor[gi]] : G.members(gi);
    if (q.department && !members.some((m) => departments[m] === q.department)) continue;
    const counted = members.filter((m) => cols.t[m] >= fromUs && (!q.department || departments[m] === q.department)).length;
    const road = byRoadClass[G.roadClass(gi)];
    totals.groups++;
    totals.cases += counted;
    road.groups++;
    if (G.reached(gi)) {
      totals.reachedGroups++;
      totals.repeatCases += counted;
      road.reachedGroups++;
      road.repeatCases += counted;
    }
    if (G.size[gi] >= q.minSize && (q.reached === undefined || q.reached === G.reached(gi))) {
      out.push({ g: G.group(gi), inRange: members.filter((m) => cols.t[m] >= fromUs).length });
    }
  }
  out.sort((a, b) => Number(b.g.reached) - Number(a.g.reached) || b.g.size - a.g.size || (a.g.id < b.g.id ? -1 : 1));
  totals.returned = out.length;

  // anchor positions, for the returned groups only
  const { rows } = await db.query<unknown[]>({
    text: `SELECT ST_X(c.geom), ST_Y(c.geom) FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS u(d, id, i)
             JOIN cases c ON c.district_code = u.d AND c.id = u.id ORDER BY u.i`,
    values: [out.map((o) => o.g.districtCode), out.map((o) => o.g.id)],
    rowMode: 'array',
  });
  const features = out.map(({ g, inRange }, i) => {
    const depts = new Map<string | null, number>();
    for (const m of g.members) depts.set(departments[m], (depts.get(departments[m]) ?? 0) + 1);
    return {
      type: 'Feature' as const,
      id: g.id,
      geometry: { type: 'Point' as const, coordinates: [rows[i][0] as number, rows[i][1] as number] as [number, number] },
      properties: {
        id: g.id, districtCode: g.districtCode, kind: g.kind, minor: g.minor, period: g.period, roadClass: g.roadClass, keyArea: g.keyArea,
        threshold: g.threshold, size: g.size, sizeInRange: inRange, reached: g.reached, reachedAt: g.reachedAt === null ? null : iso(g.reachedAt),
        firstAt: iso(cols.t[g.members[0]]), lastAt: iso(cols.t[g.members[g.members.length - 1]]),
        members: g.members.map((m) => cols.id[m]),
        departments: [...depts].sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0]))).map(([id, n]) => ({ id, cases: n })),
      },
    };
  });
  return {
    type: 'FeatureCollection',
    features,
    totals,
    params: {
      from: new Date(q.from).toISOString(), to: new Date(q.to).toISOString(), groupedFrom: new Date(start).toISOString(),
      minor: q.minor ? (q.minor.kind ? `${q.minor.kind}:${q.minor.code}` : q.minor.code) : null, district: q.district ?? null, department: q.department ?? null,
      minSize: q.minSize, reached: q.reached ?? null,
      radiusM: r.radiusM, roadSnapM: r.roadSnapM, thresholds: r.thresholds, period: r.period, excludedKinds: r.excludedKinds, excludedMinors: r.excludedMinors,
      overrides: q.overrides,
    },
  };
}
