/**
 * Case queries of the hotspot analyses: filters, counts per cell (and per time step), a sample of
 * locations for the default cell size, and the breakdowns of hotspot areas. All set work stays in SQL;
 * what comes back is one row per cell (or cell × step / area × category).
 *
 * Counting rule: a case counts when it is not voided (作废: duplicates and invalid reports), passes the
 * filters, and lies in the study area (ST_Intersects in the metric CRS, boundary included). Only cases
 * in cells straddling the area's boundary need that test; cells wholly inside need none.
 */
import type pg from 'pg';
import { transaction } from '../../db/connect.ts';
import { cellGeomSql, cellIndexSql, hexLateralSql, sqlKeyExpr, type CellKind } from './cells.ts';
import type { Filters, HotspotParams, Step } from './params.ts';
import type { StudyArea } from './study-area.ts';

/** What the analysis queries need of the database: one statement at a time, rows back. */
export interface Db {
  query<R = any>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/**
 * Settings of every analysis statement:
 *  - JIT off: PostGIS functions' huge cost estimates make PostgreSQL spend a second JIT-compiling a
 *    query that runs in less;
 *  - hash aggregation and hash joins rather than sorts (enable_sort / enable_mergejoin off, with the
 *    work_mem to hold them): the planner cannot estimate cell keys, and sorting hundreds of thousands
 *    of rows — on text columns under the database collation for the breakdowns — is what made the
 *    counts slow. Where only a sort will do (ORDER BY … LIMIT) PostgreSQL still sorts;
 *  - cheaper parallel plans: reading the stored points, a scan's expressions cost so little that PostgreSQL would
 *    count a million cases in one process (it cannot estimate the number of cells and expects no reduction);
 *    with these, both cores scan and the small statements stay serial.
 */
const SETTINGS = `SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL enable_sort = off; SET LOCAL enable_mergejoin = off;
  SET LOCAL parallel_setup_cost = 100; SET LOCAL parallel_tuple_cost = 0.001`;

/**
 * Runs each statement on a pooled connection in its own read-only transaction with SETTINGS. The
 * connection goes back to the pool between statements: the embedded database has only one, and an
 * analysis' TypeScript work (Gi*, building the response) must not keep other requests waiting; on a
 * server, independent statements of one analysis run side by side.
 */
export function analysisDb(pool: pg.Pool): Db {
  return {
    query: <R>(sql: string, params: unknown[] = []) =>
      transaction(pool, async (client) => {
        await client.query(`SET TRANSACTION READ ONLY; ${SETTINGS}`);
        return client.query<R & pg.QueryResultRow>(sql, params);
      }),
  };
}

/** Positional parameters collected while writing SQL. */
export class Args {
  readonly values: unknown[] = [];
  add(v: unknown, cast = ''): string {
    this.values.push(v);
    return `$${this.values.length}${cast}`;
  }
}

/** WHERE conditions (on alias c) for the time window and the filters. */
export function filterConditions(p: Pick<HotspotParams, 'from' | 'to' | 'filters'>, args: Args): string[] {
  const w: string[] = [`c.status <> 'voided'`];
  if (p.from) w.push(`c.reported_at >= ${args.add(p.from.toISOString(), '::timestamptz')}`);
  if (p.to) w.push(`c.reported_at < ${args.add(p.to.toISOString(), '::timestamptz')}`);
  const f: Filters = p.filters;
  if (f.kind) w.push(`c.kind = ANY(${args.add(f.kind, '::text[]')})`);
  if (f.major) w.push(`c.major = ANY(${args.add(f.major, '::text[]')})`);
  if (f.minor) w.push(`c.minor = ANY(${args.add(f.minor, '::text[]')})`);
  if (f.source) w.push(`c.source = ANY(${args.add(f.source, '::text[]')})`);
  if (f.department) w.push(`c.department_id = ANY(${args.add(f.department, '::text[]')})`);
  if (f.district) {
    const by = (len: number) => f.district!.filter((d) => d.length === len);
    const ors: string[] = [];
    if (by(6).length) ors.push(`c.district_code = ANY(${args.add(by(6), '::text[]')})`);
    if (by(9).length) ors.push(`c.street_code = ANY(${args.add(by(9), '::text[]')})`);
    if (by(12).length) ors.push(`c.community_code = ANY(${args.add(by(12), '::text[]')})`);
    w.push(`(${ors.join(' OR ')})`);
  }
  return w;
}

/** Refuses filter values that name nothing: unknown district codes and department ids (400 naming the filter). */
export async function unknownFilterValues(db: Db, f: Filters): Promise<{ parameter: string; values: string[] } | null> {
  if (f.district) {
    const { rows } = await db.query<{ code: string }>('SELECT code FROM districts WHERE code = ANY($1::text[])', [f.district]);
    const known = new Set(rows.map((r) => r.code));
    const missing = f.district.filter((d) => !known.has(d));
    if (missing.length) return { parameter: 'district', values: missing };
  }
  if (f.department) {
    const { rows } = await db.query<{ id: string }>('SELECT id FROM departments WHERE id = ANY($1::text[])', [f.department]);
    const known = new Set(rows.map((r) => r.id));
    const missing = f.department.filter((d) => !known.has(d));
    if (missing.length) return { parameter: 'department', values: missing };
  }
  return null;
}

export interface CellQuery {
  params: Pick<HotspotParams, 'from' | 'to' | 'filters'>;
  area: StudyArea;
  kind: CellKind;
  size: number;
  /** cases.ax / ay hold the points in the area's CRS (case-xy.ts): read them instead of projecting */
  storedXy: boolean;
}

/**
 * Subquery of filtered cases with their point `pt` in the metric CRS (a native PostgreSQL point), their
 * cell index columns `a`, `b`, and `extra` columns (name → expression on alias c); `within` narrows
 * the prefilter on the study area's bounding box.
 *
 * With `storedXy` the point is read from the stored columns. Otherwise the projection runs once per row, in the target list of an inner query behind unnest(ARRAY[…]): a
 * set-returning function keeps the planner from flattening the subquery and repeating ST_Transform in
 * every expression that uses it. It is cast to a native point because each PostGIS accessor call
 * deserialises the geometry — the cell index reads x five times, its key and the in-area test read a
 * and b again — while pt[0] is a plain array read. Unlike LATERAL function scans this needs no per-row
 * join node, and the scan with the partial aggregation above it still runs in the parallel workers.
 */
function pointsSql(q: CellQuery, args: Args, extra: Record<string, string>, within?: string): string {
  const pt = q.storedXy ? 'point(c.ax, c.ay)' : `unnest(ARRAY[ST_Transform(c.geom, ${args.add(q.area.srid, '::int')})::point])`;
  const size = args.add(q.size, '::float8');
  // The area's bounding box, always, also under `within`: the counts take off what the boundary queries find outside
  // the area, so both must read the same cases. On the stored points a plain range test, which keeps PostgreSQL on
  // a parallel scan (with the geometry test it read most of the table through a bitmap of the spatial index, several
  // times slower); 1 m of margin: PostGIS reads the box from the geometry's single-precision bounding box.
  const [x0, y0, x1, y1] = q.storedXy ? q.area.bbox : q.area.bbox4326;
  const f = (v: number) => args.add(v, '::float8');
  const box = q.storedXy
    ? `c.ax BETWEEN ${f(x0 - 1)} AND ${f(x1 + 1)} AND c.ay BETWEEN ${f(y0 - 1)} AND ${f(y1 + 1)}`
    : `c.geom && ST_MakeEnvelope(${f(x0)}, ${f(y0)}, ${f(x1)}, ${f(y1)}, 4326)`;
  const where = [box, ...(within ? [within] : []), ...filterConditions(q.params, args)];
  const names = Object.keys(extra);
  const idx = cellIndexSql(q.kind, 'l1.pt[0]', 'l1.pt[1]', size);
  return `SELECT ${idx.a} AS a, ${idx.b} AS b, l1.pt${names.map((n) => `, l1.${n}`).join('')}
    FROM (SELECT ${pt} AS pt${names.map((n) => `, ${extra[n]} AS ${n}`).join('')}
          FROM cases c WHERE ${where.join(' AND ')}) l1
    ${q.kind === 'hex' ? hexLateralSql('l1.pt[0]', 'l1.pt[1]', size) : ''}`;
}

/** The metric point of a pointsSql row as a geometry (for the rare in-area test). */
const ptGeom = (q: CellQuery, args: Args) => `ST_SetSRID(k.pt::geometry, ${args.add(q.area.srid, '::int')})`;

/** The in-area test, made only for cases in boundary cells. */
function inAreaSql(q: CellQuery, args: Args, boundaryKeys: string[]): string {
  if (!boundaryKeys.length) return 'true';
  const keys = args.add(boundaryKeys, '::bigint[]');
  const geom = args.add(q.area.geom, '::geometry');
  return `CASE WHEN ${sqlKeyExpr('k.a', 'k.b')} = ANY(${keys}) THEN ST_Intersects(${geom}, ${ptGeom(q, args)}) ELSE true END`;
}

export interface CellCount {
  a: number;
  b: number;
  n: number;
  first: Date | null;
  last: Date | null;
}

/** The lattice cells that straddle the study area's boundary. */
export interface BoundaryCells {
  a: ArrayLike<number>;
  b: ArrayLike<number>;
  keys: string[];
}

/**
 * Per boundary cell (and time step, with `edges`): how many of its cases lie outside the study area,
 * and the first and last report time of those inside. Only cases near the boundary are read: a bitmap
 * index scan over the boundary cells' boxes in WGS84 (1e-6° of margin: a projected cell's straight
 * edges bend a little in degrees).
 */
async function outsideByCell(db: Db, q: CellQuery, boundary: BoundaryCells, edges?: Date[]): Promise<(CellCount & { t?: number })[]> {
  if (!boundary.keys.length) return [];
  const args = new Args();
  const size = args.add(q.size, '::float8');
  const srid = args.add(q.area.srid, '::int');
  const cell = cellGeomSql(q.kind, 't.a', 't.b', size, srid);
  const within = `c.geom && ANY(ARRAY(SELECT ST_Expand(ST_Transform(${cell}, 4326), 0.000001)
    FROM unnest(${args.add(Array.from(boundary.a), '::int[]')}, ${args.add(Array.from(boundary.b), '::int[]')}) AS t(a, b)))`;
  const pts = pointsSql(q, args, { reported_at: 'c.reported_at' }, within);
  const keys = args.add(boundary.keys, '::bigint[]');
  const geom = args.add(q.area.geom, '::geometry');
  const t = edges ? `, ${bucketSql('k.reported_at', args.add(edges.map((d) => d.toISOString()), '::timestamptz[]'))} AS t` : '';
  // the in-area test once per case (behind unnest), read by three aggregates
  const sql = `SELECT k.a, k.b${edges ? ', k.t' : ''}, (count(*) FILTER (WHERE NOT k.inside))::int AS n,
      min(k.reported_at) FILTER (WHERE k.inside) AS first, max(k.reported_at) FILTER (WHERE k.inside) AS last
    FROM (SELECT k.a, k.b${t}, k.reported_at, unnest(ARRAY[ST_Intersects(${geom}, ${ptGeom(q, args)})]) AS inside
          FROM (${pts}) k WHERE ${sqlKeyExpr('k.a', 'k.b')} = ANY(${keys})) k
    GROUP BY k.a, k.b${edges ? ', k.t' : ''}`;
  return (await db.query(sql, args.values)).rows;
}

/**
 * Counts per cell of the in-area cases, with their first and last report time. The scan counts every
 * case of the area's bounding box by cell, with no per-case test; the cases outside the area that fall
 * in boundary cells are then counted near the boundary only, and taken off. Rows for cells outside the
 * lattice come back too and are dropped by the caller.
 */
export async function countByCell(db: Db, q: CellQuery, boundary: BoundaryCells): Promise<CellCount[]> {
  const args = new Args();
  const pts = pointsSql(q, args, { reported_at: 'c.reported_at' });
  const sql = `SELECT k.a, k.b, count(*)::int AS n, min(k.reported_at) AS first, max(k.reported_at) AS last
    FROM (${pts}) k GROUP BY k.a, k.b`;
  const all = await db.query<CellCount>(sql, args.values);
  const fix = new Map((await outsideByCell(db, q, boundary)).map((r) => [`${r.a},${r.b}`, r]));
  return all.rows.map((r) => {
    const o = fix.get(`${r.a},${r.b}`);
    return o ? { a: r.a, b: r.b, n: r.n - o.n, first: o.first, last: o.last } : r;
  });
}

export interface StepCount {
  a: number;
  b: number;
  /** 0-based index of the time step (edges[t] ≤ reported_at < edges[t + 1]) */
  t: number;
  n: number;
}

/**
 * The 0-based bucket of timestamptz expression `ts` among ascending `edges` (a bound parameter):
 * comparisons of timestamps only — formatting or truncating a million dates in a time zone costs
 * seconds, this costs next to nothing. Before the first edge → −1, at or after the last → edges − 1.
 */
export function bucketSql(ts: string, edges: string): string {
  return `(width_bucket(${ts}, ${edges}) - 1)`;
}

/** Counts per cell and time step; `edges` are the step boundaries (steps + 1 instants, ascending). */
export async function countByCellAndStep(db: Db, q: CellQuery, boundary: BoundaryCells, edges: Date[]): Promise<StepCount[]> {
  const args = new Args();
  const pts = pointsSql(q, args, { reported_at: 'c.reported_at' });
  const e = args.add(edges.map((d) => d.toISOString()), '::timestamptz[]');
  const sql = `SELECT k.a, k.b, ${bucketSql('k.reported_at', e)} AS t, count(*)::int AS n FROM (${pts}) k GROUP BY 1, 2, 3`;
  const all = await db.query<StepCount>(sql, args.values);
  const fix = new Map((await outsideByCell(db, q, boundary, edges)).map((r) => [`${r.a},${r.b},${r.t}`, r.n]));
  return all.rows.map((r) => ({ ...r, n: r.n - (fix.get(`${r.a},${r.b},${r.t}`) ?? 0) }));
}

/** First and last report time of the filtered in-area cases (every point tested: no lattice needed). */
export async function reportedRange(db: Db, q: Omit<CellQuery, 'kind' | 'size'>): Promise<{ first: Date | null; last: Date | null }> {
  const args = new Args();
  const pts = pointsSql({ ...q, kind: 'square', size: 1 }, args, { reported_at: 'c.reported_at' });
  const geom = args.add(q.area.geom, '::geometry');
  const { rows } = await db.query(
    `SELECT min(k.reported_at) AS first, max(k.reported_at) AS last FROM (${pts}) k WHERE ST_Intersects(${geom}, ST_SetSRID(k.pt::geometry, ${args.add(q.area.srid, '::int')}))`,
    args.values,
  );
  return { first: rows[0]?.first ?? null, last: rows[0]?.last ?? null };
}

/**
 * Locations (metric CRS) of a deterministic sample of the in-area filtered cases: the first `target` by
 * hashtext(id) (then id). The hash order is taken before the in-area test, over a few times `target`
 * cases of the area's bounding box, widened when the area keeps too few of them. `complete` = the
 * sample holds every such case.
 */
export async function sampleLocations(db: Db, q: Omit<CellQuery, 'kind' | 'size'>, target: number): Promise<{ coords: Float64Array; complete: boolean }> {
  let xs: number[] = [], ys: number[] = [];
  let complete = false;
  for (let round = 0, limit = 3 * target; round < 4 && !complete; round++, limit *= 4) {
    const args = new Args();
    const [x0, y0, x1, y1] = q.area.bbox4326;
    const where = [
      `c.geom && ST_MakeEnvelope(${args.add(x0, '::float8')}, ${args.add(y0, '::float8')}, ${args.add(x1, '::float8')}, ${args.add(y1, '::float8')}, 4326)`,
      ...filterConditions(q.params, args),
    ];
    const sql = `WITH s AS MATERIALIZED (SELECT c.id, c.geom FROM cases c WHERE ${where.join(' AND ')} ORDER BY hashtext(c.id), c.id LIMIT ${args.add(limit, '::int')}),
      p AS (SELECT ST_X(t.p) AS x, ST_Y(t.p) AS y, hashtext(s.id) AS h, s.id FROM s CROSS JOIN LATERAL ST_Transform(s.geom, ${args.add(q.area.srid, '::int')}) AS t(p)
            WHERE ST_Intersects(${args.add(q.area.geom, '::geometry')}, t.p) ORDER BY 3, 4 LIMIT ${args.add(target, '::int')})
      SELECT (SELECT count(*) FROM s)::int AS fetched, coalesce(array_agg(x ORDER BY h, id), '{}') AS xs, coalesce(array_agg(y ORDER BY h, id), '{}') AS ys FROM p`;
    const r = (await db.query<{ fetched: number; xs: number[]; ys: number[] }>(sql, args.values)).rows[0];
    xs = r.xs.map(Number);
    ys = r.ys.map(Number);
    if (xs.length >= target) break;
    complete = r.fetched < limit; // every filtered case of the bounding box was looked at
  }
  const coords = new Float64Array(2 * xs.length);
  for (let i = 0; i < xs.length; i++) {
    coords[2 * i] = xs[i];
    coords[2 * i + 1] = ys[i];
  }
  return { coords, complete };
}

export interface AreaBreakdownRow {
  comp: number;
  dim: 'minor' | 'department' | 'source' | 'month';
  kind: string | null;
  /** minor code, department id, source, or the month's index among the month edges (as text) */
  key: string | null;
  name: string | null;
  n: number;
}

/**
 * Per hotspot area (cells given by key → area number): cases by minor category, department, source
 * and month, in one scan. `boxes` are the areas' bounding boxes (metric CRS); `share` is the fraction
 * of the counted cases that lie in the hot cells.
 */
export async function areaBreakdowns(
  db: Db,
  q: CellQuery,
  boundaryKeys: string[],
  cells: { keys: string[]; comps: number[] },
  boxes: [number, number, number, number][],
  share: number,
  monthEdges: Date[],
): Promise<AreaBreakdownRow[]> {
  if (!cells.keys.length) return [];
  const args = new Args();
  // When the hot cells hold a large share of the cases, scanning everything in parallel beats any
  // prefilter; otherwise a bitmap index scan of the areas' boxes (10 m of margin: a projected box's
  // straight edges bend a little in degrees) reads only what lies near them. Only in the second case
  // may the planner see `&& ANY(boxes)`: it cannot estimate it (it guesses a thousand rows) and plans
  // serially — right for a small share, slow over most of the table.
  const big = share > 0.25;
  let within: string | undefined;
  if (!big) {
    const bx = (i: number) => args.add(boxes.map((b) => b[i]), '::float8[]');
    const srid = args.add(q.area.srid, '::int');
    within = `c.geom && ANY(ARRAY(SELECT ST_Expand(ST_Transform(ST_MakeEnvelope(x0, y0, x1, y1, ${srid}), 4326), 0.0001)
      FROM unnest(${bx(0)}, ${bx(1)}, ${bx(2)}, ${bx(3)}) AS b(x0, y0, x1, y1)))`;
  }
  const pts = pointsSql(q, args, { kind: 'c.kind', minor: 'c.minor', department_id: 'c.department_id', source: 'c.source', reported_at: 'c.reported_at' }, within);
  const keys = args.add(cells.keys, '::bigint[]');
  const comps = args.add(cells.comps, '::int[]');
  const month = bucketSql('k.reported_at', args.add(monthEdges.map((d) => d.toISOString()), '::timestamptz[]'));
  // counts per area and (minor, department, source, month) first — a plain GROUP BY that runs in the
  // parallel workers and leaves a few thousand rows — then the four breakdowns from those
  // fine is MATERIALIZED: planned on its own it aggregates by hashing in the parallel workers; inlined into the
  // grouping sets it was sorted (half a million rows) for a group aggregate
  const sql = `WITH fine AS MATERIALIZED (
      SELECT hc.comp, k.kind, k.minor, k.department_id, k.source, ${month}::text AS month, count(*)::int AS n
      FROM (${pts}) k JOIN unnest(${keys}, ${comps}) AS hc(key, comp) ON hc.key = ${sqlKeyExpr('k.a', 'k.b')}
      WHERE ${inAreaSql(q, args, boundaryKeys)}
      GROUP BY 1, 2, 3, 4, 5, 6),
    g AS (
      SELECT comp, kind, minor, department_id, source, month, sum(n)::int AS n,
             GROUPING(kind, minor) AS gm, GROUPING(department_id) AS gd, GROUPING(source) AS gs
      FROM fine GROUP BY GROUPING SETS ((comp, kind, minor), (comp, department_id), (comp, source), (comp, month)))
    SELECT g.comp, g.n,
      CASE WHEN g.gm = 0 THEN 'minor' WHEN g.gd = 0 THEN 'department' WHEN g.gs = 0 THEN 'source' ELSE 'month' END AS dim,
      g.kind,
      CASE WHEN g.gm = 0 THEN g.minor WHEN g.gd = 0 THEN g.department_id WHEN g.gs = 0 THEN g.source ELSE g.month END AS key,
      CASE WHEN g.gm = 0 THEN (SELECT t.name FROM taxonomy t WHERE t.kind = g.kind AND t.code = g.minor AND t.level = 'minor' ORDER BY t.standard LIMIT 1)
           WHEN g.gd = 0 THEN (SELECT d.name FROM departments d WHERE d.id = g.department_id) END AS name
    FROM g`;
  return (await db.query<AreaBreakdownRow>(sql, args.values)).rows;
}
