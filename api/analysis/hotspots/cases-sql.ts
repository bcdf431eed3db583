/**
 * Case queries of the hotspot analyses that stay in SQL: filters (also for the repeat groups), the span of the
 * counted cases for an open emerging window, and a sample of locations for the default cell size. Counts per cell
 * and the hot areas' breakdowns come from the in-process copy of the cases (api/analysis/case-columns).
 *
 * Counting rule: a case counts when it is not voided (作废: duplicates and invalid reports), passes the
 * filters, and lies in the study area (ST_Intersects in the metric CRS, boundary included).
 */
import type pg from 'pg';
import { transaction } from '../../db/connect.ts';
import type { CellKind } from './cells.ts';
import type { Filters, HotspotParams } from './params.ts';
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
 * First and last report time of the filtered in-area cases (every point tested: no lattice needed). Cases of the
 * area's bounding box first (on the stored points a plain range test, which keeps PostgreSQL on a parallel scan;
 * 1 m of margin: PostGIS reads the box from the geometry's single-precision bounding box), then the in-area test.
 */
export async function reportedRange(db: Db, q: Omit<CellQuery, 'kind' | 'size'>): Promise<{ first: Date | null; last: Date | null }> {
  const args = new Args();
  const srid = args.add(q.area.srid, '::int');
  const pt = q.storedXy ? 'ST_SetSRID(ST_MakePoint(c.ax, c.ay), ' + srid + ')' : `ST_Transform(c.geom, ${srid})`;
  const [x0, y0, x1, y1] = q.storedXy ? q.area.bbox : q.area.bbox4326;
  const f = (v: number) => args.add(v, '::float8');
  const box = q.storedXy
    ? `c.ax BETWEEN ${f(x0 - 1)} AND ${f(x1 + 1)} AND c.ay BETWEEN ${f(y0 - 1)} AND ${f(y1 + 1)}`
    : `c.geom && ST_MakeEnvelope(${f(x0)}, ${f(y0)}, ${f(x1)}, ${f(y1)}, 4326)`;
  const where = [box, ...filterConditions(q.params, args), `ST_Intersects(${args.add(q.area.geom, '::geometry')}, ${pt})`];
  const { rows } = await db.query(`SELECT min(c.reported_at) AS first, max(c.reported_at) AS last FROM cases c WHERE ${where.join(' AND ')}`, args.values);
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
