/**
 * Hotspot areas: contiguous cells with bin ≥ 2 (95 % or 99 % after FDR) merged into one polygon each
 * (ST_Union in the metric CRS, output in WGS84), with what a manager asks next — how many cases, of
 * which kinds, whose, from where, and whether it is getting worse (Mann–Kendall over months).
 */
import { mannKendall } from '../../domain/hotspots/index.ts';
import { areaBreakdowns, type CellScan } from '../case-columns/scan.ts';
import type { CaseColumns } from '../case-columns/store.ts';
import { cellGeomSql, sqlKey } from './cells.ts';
import { hotComponents } from './components.ts';
import type { CellQuery, Db } from './cases-sql.ts';
import type { GiResult } from './gi.ts';
import { areaRepeatGroups, type AreaRepeatGroup } from './repeat-groups.ts';
import type { Lattice } from './study-area.ts';

export const AREA_MIN_BIN = 2;
const TOP_MINORS = 5;

export interface AreaTrend {
  step: 'month';
  series: { month: string; count: number }[];
  s: number;
  z: number;
  p: number;
  tau: number;
  /** significant at 5 %: increasing / decreasing; otherwise none */
  direction: 'increasing' | 'decreasing' | 'none';
}

export interface HotArea {
  id: number;
  /** GeoJSON text of the merged polygon (EPSG:4326) */
  geometry: string;
  properties: {
    id: number;
    cells: number;
    cases: number;
    areaM2: number;
    /** highest bin among its cells (3 = 99 %, 2 = 95 %) */
    bin: number;
    zMax: number;
    zMean: number;
    topMinors: { kind: string; code: string; name: string | null; count: number }[];
    departments: { id: string | null; name: string | null; count: number }[];
    sources: { source: string; count: number }[];
    trend: AreaTrend;
    /**
     * Reached repeat-case groups (DESIGN §5.2) anchored in the area with a member among the analysed cases
     * (repeat-groups.ts), most such members first, at most MAX_AREA_REPEAT_GROUPS; null when the caller has no
     * repeats rule (an empty list would wrongly say "none").
     */
    repeatGroups: AreaRepeatGroup[] | null;
    /** how many groups that rule lists in all, and their members among the analysed cases */
    repeatGroupsTotal: number | null;
    repeatCases: number | null;
  };
}

/** 'YYYY-MM' months from the month of `first` to that of `last` (local time, +08:00). */
export function monthRange(first: Date, last: Date): string[] {
  const local = (d: Date) => new Date(d.getTime() + 8 * 3600_000);
  const a = local(first), b = local(last);
  const out: string[] = [];
  let y = a.getUTCFullYear(), m = a.getUTCMonth();
  const ye = b.getUTCFullYear(), me = b.getUTCMonth();
  while (y < ye || (y === ye && m <= me)) {
    out.push(`${y}-${String(m + 1).padStart(2, '0')}`);
    if (++m === 12) { m = 0; y++; }
    if (out.length > 1200) break; // a century of months is a bad window, not a loop to run forever
  }
  return out;
}

/** The instants months 'YYYY-MM' start (+08:00), and the start of the month after the last. */
export function monthEdges(months: string[]): Date[] {
  const start = (y: number, m: number) => new Date(Date.UTC(y, m, 1) - 8 * 3600_000);
  const edges = months.map((s) => start(Number(s.slice(0, 4)), Number(s.slice(5, 7)) - 1));
  if (months.length) {
    const last = months[months.length - 1];
    edges.push(start(Number(last.slice(0, 4)), Number(last.slice(5, 7))));
  }
  return edges;
}

export function trendOf(months: string[], counts: Map<string, number>): AreaTrend {
  const series = months.map((month) => ({ month, count: counts.get(month) ?? 0 }));
  const mk = mannKendall(series.map((s) => s.count));
  const direction = mk.p <= 0.05 && mk.s > 0 ? 'increasing' : mk.p <= 0.05 && mk.s < 0 ? 'decreasing' : 'none';
  return { step: 'month', series, s: mk.s, z: mk.z, p: mk.p, tau: mk.tau, direction };
}

/** More boxes than this cost more per scanned case than they save: they are merged. */
const MAX_BOXES = 32;

/** Merges boxes (sorted west to east, consecutive ones together) down to at most `max`. */
export function mergeBoxes(boxes: [number, number, number, number][], max: number): [number, number, number, number][] {
  if (boxes.length <= max) return boxes;
  const sorted = [...boxes].sort((p, q) => p[0] + p[2] - (q[0] + q[2]));
  const per = Math.ceil(sorted.length / max);
  const out: [number, number, number, number][] = [];
  for (let i = 0; i < sorted.length; i += per) {
    const part = sorted.slice(i, i + per);
    out.push([Math.min(...part.map((b) => b[0])), Math.min(...part.map((b) => b[1])), Math.max(...part.map((b) => b[2])), Math.max(...part.map((b) => b[3]))]);
  }
  return out;
}

export async function hotAreas(
  db: Db,
  q: CellQuery,
  lattice: Lattice,
  counted: { cols: CaseColumns; scan: CellScan },
  gi: GiResult,
  months: string[],
  repeats: { radiusM: number } | null = null,
): Promise<HotArea[]> {
  const groups = hotComponents(lattice, gi.bin, AREA_MIN_BIN);
  if (!groups.length) return [];
  const { counts } = counted.scan;
  const keys: string[] = [], comps: number[] = [], as: number[] = [], bs: number[] = [];
  const boxes: [number, number, number, number][] = [];
  const areaOfCell = new Int32Array(counts.length).fill(-1);
  const reach = lattice.size; // a cell lies within its size of its centroid, for both lattices
  const hotBoundary: string[] = []; // only these need the in-area test for the repeat groups' anchors
  groups.forEach((g, c) => {
    const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const i of g) {
      keys.push(sqlKey(lattice.a[i], lattice.b[i]));
      comps.push(c);
      areaOfCell[i] = c;
      if (!lattice.inside[i]) hotBoundary.push(keys[keys.length - 1]);
      as.push(lattice.a[i]);
      bs.push(lattice.b[i]);
      const x = lattice.coords[2 * i], y = lattice.coords[2 * i + 1];
      box[0] = Math.min(box[0], x - reach); box[1] = Math.min(box[1], y - reach);
      box[2] = Math.max(box[2], x + reach); box[3] = Math.max(box[3], y + reach);
    }
    boxes.push(box);
  });
  const geom = cellGeomSql(lattice.kind, 't.a', 't.b', '$4::float8', '$5::int');
  const merged = mergeBoxes(boxes, MAX_BOXES);
  const edges = monthEdges(months).map((d) => d.getTime());
  const breakdown = areaBreakdowns(counted.cols, counted.scan, areaOfCell, groups.length, edges);
  const minorCodes = [...new Set(breakdown.flatMap((b) => b.minors.map((m) => m.code)))];
  const depIds = [...new Set(breakdown.flatMap((b) => b.departments.map((d) => d.id)).filter((d) => d !== null))];
  const [shapes, minorNames, depNames, repeatGroups] = await Promise.all([
    // Square cells share exact corner coordinates; hexagon vertices computed from neighbouring centres
    // may differ in the last bit, which the 1 mm grid of ST_Union absorbs (it costs 3× more: squares skip it)
    db.query<{ comp: number; g: string; area: number }>(
      `SELECT comp, ST_AsGeoJSON(ST_Transform(u, 4326), 7) AS g, ST_Area(u) AS area FROM (
         SELECT t.comp, ST_Union(e${lattice.kind === 'hex' ? ', 0.001' : ''}) AS u FROM unnest($1::int[], $2::int[], $3::int[]) AS t(a, b, comp)
         CROSS JOIN LATERAL ${geom} AS e GROUP BY t.comp) s`,
      [as, bs, comps, lattice.size, lattice.srid],
    ),
    db.query<{ kind: string; code: string; name: string }>(
      `SELECT DISTINCT ON (kind, code) kind, code, name FROM taxonomy WHERE level = 'minor' AND code = ANY($1::text[]) ORDER BY kind, code, standard`,
      [minorCodes],
    ),
    db.query<{ id: string; name: string }>('SELECT id, name FROM departments WHERE id = ANY($1::text[])', [depIds]),
    repeats ? areaRepeatGroups(db, q, repeats.radiusM, hotBoundary, { keys, comps }, merged) : null,
  ]);
  const shapeOf = new Map(shapes.rows.map((r) => [r.comp, r]));
  const minorName = new Map(minorNames.rows.map((r) => [`${r.kind}|${r.code}`, r.name]));
  const depName = new Map(depNames.rows.map((r) => [r.id, r.name]));
  const areas: HotArea[] = groups.map((g, c) => {
    let cases = 0, zMax = -Infinity, zSum = 0, bin = 0;
    for (const i of g) {
      cases += counts[i];
      zMax = Math.max(zMax, gi.z[i]);
      zSum += gi.z[i];
      bin = Math.max(bin, gi.bin[i]);
    }
    const b = breakdown[c];
    const byCount = <T extends { count: number }>(xs: T[]) => xs.sort((x, y) => y.count - x.count);
    const monthCounts = new Map(months.map((m, k) => [m, b.months[k]]));
    const shape = shapeOf.get(c);
    const rg = repeatGroups?.get(c);
    return {
      id: 0,
      geometry: shape?.g ?? 'null',
      properties: {
        id: 0,
        cells: g.length,
        cases,
        areaM2: Math.round(shape?.area ?? 0),
        bin,
        zMax,
        zMean: zSum / g.length,
        topMinors: byCount(b.minors.map((m) => ({ kind: m.kind, code: m.code, name: minorName.get(`${m.kind}|${m.code}`) ?? null, count: m.count }))).slice(0, TOP_MINORS),
        departments: byCount(b.departments.map((d) => ({ id: d.id, name: d.id === null ? null : (depName.get(d.id) ?? null), count: d.count }))),
        sources: byCount(b.sources.map((r) => ({ source: r.source!, count: r.count }))),
        trend: trendOf(months, monthCounts),
        repeatGroups: repeatGroups ? (rg?.groups ?? []) : null,
        repeatGroupsTotal: repeatGroups ? (rg?.total ?? 0) : null,
        repeatCases: repeatGroups ? (rg?.cases ?? 0) : null,
      },
    };
  });
  // most intense first: highest bin, then highest mean z
  areas.sort((x, y) => y.properties.bin - x.properties.bin || y.properties.zMean - x.properties.zMean);
  areas.forEach((a, i) => { a.id = i + 1; a.properties.id = i + 1; });
  return areas;
}
