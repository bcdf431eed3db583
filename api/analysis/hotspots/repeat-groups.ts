/**
 * Repeat-case groups (重复案件, DESIGN §5.2) inside hotspot areas, read from the stored groups (repeat_groups, kept
 * by intake and the batch rebuilds — not recomputed here). A group is listed under an area when
 *  - it reached its threshold, by the end of the window when the window has one;
 *  - its anchor (first case) lies in one of the area's cells, and in the study area for cells on its boundary;
 *  - at least one of its members is among the analysed cases: reported in the window, passing the filters, not
 *    voided. `cases` counts those members.
 * Members lie within R of their anchor (the grouping rule), so they are found near the areas.
 */
import { Args, filterConditions, type CellQuery, type Db } from './cases-sql.ts';
import { cellIndexSql, hexLateralSql, sqlKeyExpr } from './cells.ts';

/** Groups listed per area, most analysed members first; the area also says how many there are in all. */
export const MAX_AREA_REPEAT_GROUPS = 50;

export interface AreaRepeatGroup {
  /** the anchor case's id (repeat_groups.id) */
  id: string;
  districtCode: string;
  kind: string;
  minor: string;
  name: string | null;
  /** assessment period of the group: '2026-01', '2026-Q1' or '2026' */
  period: string;
  roadClass: 'main' | 'secondary' | 'alley';
  keyArea: boolean;
  threshold: number;
  /** members in all (the whole period) */
  size: number;
  /** members among the analysed cases */
  cases: number;
  anchorAt: string;
  reachedAt: string;
  /** the anchor, EPSG:4326 */
  lon: number;
  lat: number;
}

export interface AreaRepeats {
  /** every listed group of the area */
  total: number;
  /** analysed cases that are members of those groups */
  cases: number;
  /** at most MAX_AREA_REPEAT_GROUPS of them */
  groups: AreaRepeatGroup[];
}

interface Row {
  comp: number;
  id: string;
  district_code: string;
  kind: string;
  minor: string;
  name: string | null;
  period: string;
  road_class: AreaRepeatGroup['roadClass'];
  key_area: boolean;
  threshold: number;
  size: number;
  anchor_at: Date;
  reached_at: Date;
  lon: number;
  lat: number;
}

/**
 * Repeat groups per area number. `cells` maps the hot cells' SQL keys to area numbers (as areaBreakdowns);
 * `boundaryKeys` are the keys of cells that straddle the study area's boundary; `boxes` hold the areas' cells
 * (metric CRS, merged as for areaBreakdowns); `radiusM` is the repeats rule's R.
 *
 * Two statements: the candidate groups (reached, anchored in a hot cell — only repeat_groups is read), then, if
 * there are any, the analysed members per group among the cases near the areas (their boxes widened by R, a
 * bitmap index scan), matched here. A per-group lookup of members around each anchor costs a bitmap over the
 * county's cases per group (the primary key's district_code prefix): seconds for a few thousand groups.
 */
export async function areaRepeatGroups(
  db: Db,
  q: CellQuery,
  radiusM: number,
  boundaryKeys: string[],
  cells: { keys: string[]; comps: number[] },
  boxes: [number, number, number, number][],
): Promise<Map<number, AreaRepeats>> {
  const out = new Map<number, AreaRepeats>();
  if (!cells.keys.length) return out;
  const candidates = await candidateGroups(db, q, boundaryKeys, cells);
  if (!candidates.length) return out;

  const args = new Args();
  const srid = args.add(q.area.srid, '::int');
  const r = args.add(radiusM, '::float8');
  const bx = (i: number) => args.add(boxes.map((b) => b[i]), '::float8[]');
  // members lie within R of their anchor, anchors lie in the boxes (10 m of margin: a projected box's straight
  // edges bend a little in degrees)
  const within = `c.geom && ANY(ARRAY(SELECT ST_Expand(ST_Transform(ST_MakeEnvelope(x0 - ${r}, y0 - ${r}, x1 + ${r}, y1 + ${r}, ${srid}), 4326), 0.0001)
      FROM unnest(${bx(0)}, ${bx(1)}, ${bx(2)}, ${bx(3)}) AS b(x0, y0, x1, y1)))`;
  const { rows: members } = await db.query<{ d: string; id: string; n: number }>(
    `SELECT c.district_code AS d, c.repeat_group_id AS id, count(*)::int AS n FROM cases c
      WHERE ${within} AND c.repeat_group_id IS NOT NULL AND ${filterConditions(q.params, args).join(' AND ')}
      GROUP BY 1, 2`,
    args.values,
  );
  const counted = new Map(members.map((m) => [`${m.d}|${m.id}`, m.n]));
  const rows = candidates
    .map((c) => ({ ...c, n: counted.get(`${c.district_code}|${c.id}`) ?? 0 }))
    .filter((c) => c.n > 0)
    .sort((a, b) => b.n - a.n || b.size - a.size || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const r of rows) {
    let a = out.get(r.comp);
    if (!a) out.set(r.comp, (a = { total: 0, cases: 0, groups: [] }));
    a.total++;
    a.cases += r.n;
    if (a.groups.length < MAX_AREA_REPEAT_GROUPS) {
      a.groups.push({
        id: r.id, districtCode: r.district_code, kind: r.kind, minor: r.minor, name: r.name, period: r.period,
        roadClass: r.road_class, keyArea: r.key_area, threshold: r.threshold, size: r.size, cases: r.n,
        anchorAt: r.anchor_at.toISOString(), reachedAt: r.reached_at.toISOString(), lon: Number(r.lon), lat: Number(r.lat),
      });
    }
  }
  return out;
}

/** Reached groups whose anchor lies in a hot cell (and in the study area), with the area number. */
async function candidateGroups(db: Db, q: CellQuery, boundaryKeys: string[], cells: { keys: string[]; comps: number[] }): Promise<Row[]> {
  const args = new Args();
  const srid = args.add(q.area.srid, '::int');
  const size = args.add(q.size, '::float8');
  const [x0, y0, x1, y1] = q.area.bbox4326;
  const where = [
    'g.reached_at IS NOT NULL',
    `g.anchor_geom && ST_MakeEnvelope(${args.add(x0, '::float8')}, ${args.add(y0, '::float8')}, ${args.add(x1, '::float8')}, ${args.add(y1, '::float8')}, 4326)`,
  ];
  const p = q.params;
  if (p.to) {
    const to = args.add(p.to.toISOString(), '::timestamptz');
    where.push(`g.reached_at < ${to}`, `g.period_start < ${to}`);
  }
  // members lie in the group's period: a period ending before the window has none in it
  if (p.from) where.push(`g.period_end > ${args.add(p.from.toISOString(), '::timestamptz')}`);
  // members share the group's kind and minor: the member count decides, these only narrow the candidates
  if (p.filters.kind) where.push(`g.kind = ANY(${args.add(p.filters.kind, '::text[]')})`);
  if (p.filters.minor) where.push(`g.minor = ANY(${args.add(p.filters.minor, '::text[]')})`);

  const idx = cellIndexSql(q.kind, 'l1.pt[0]', 'l1.pt[1]', size);
  const keys = args.add(cells.keys, '::bigint[]');
  const comps = args.add(cells.comps, '::int[]');
  const key = sqlKeyExpr('k.a', 'k.b');
  const inArea = boundaryKeys.length
    ? `CASE WHEN ${key} = ANY(${args.add(boundaryKeys, '::bigint[]')}) THEN ST_Intersects(${args.add(q.area.geom, '::geometry')}, ST_SetSRID(k.pt::geometry, ${srid})) ELSE true END`
    : 'true';
  const sql = `SELECT hc.comp, k.id, k.district_code, k.kind, k.minor, k.period, k.road_class, k.key_area, k.threshold, k.size,
      k.anchor_at, k.reached_at, ST_X(k.anchor_geom) AS lon, ST_Y(k.anchor_geom) AS lat,
      (SELECT t.name FROM taxonomy t WHERE t.kind = k.kind AND t.code = k.minor AND t.level = 'minor' ORDER BY t.standard LIMIT 1) AS name
    FROM (SELECT ${idx.a} AS a, ${idx.b} AS b, l1.*
          FROM (SELECT g.*, ST_Transform(g.anchor_geom, ${srid})::point AS pt FROM repeat_groups g WHERE ${where.join(' AND ')}) l1
          ${q.kind === 'hex' ? hexLateralSql('l1.pt[0]', 'l1.pt[1]', size) : ''}) k
    JOIN unnest(${keys}, ${comps}) AS hc(key, comp) ON hc.key = ${key}
    WHERE ${inArea}`;
  return (await db.query<Row>(sql, args.values)).rows;
}
