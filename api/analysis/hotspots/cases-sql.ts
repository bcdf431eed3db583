/**
 * Case queries of the hotspot analyses: filters, counts per cell (and per time step), a sample of
 * locations for the default cell size, and the breakdowns of hotspot areas. All set work stays in SQL;
 * what comes back is one row per cell (or cell × step / area × category).
 *
 * Counting rule: a case counts when it is not voided (作废: duplicates and invalid reports), passes the
 * filters, and lies in the study area (ST_Intersects, boundary included) — tested point by point only
 * for cases in cells straddling the area's boundary; cells wholly inside need no test.
 */
import type pg from 'pg';
import { cellIndexSql, hexLateralSql, type CellKind } from './cells.ts';
import type { Filters, HotspotParams, Step } from './params.ts';
import type { StudyArea } from './study-area.ts';

/** Months and weeks are calendar months and ISO weeks (Monday first) in the deployment's time zone. */
export const TIME_ZONE = 'Asia/Shanghai';

/** One connection; an analysis runs its statements in one read-only session (see withSession). */
export type Db = pg.ClientBase;

/**
 * Runs `fn` on one pooled connection inside a read-only transaction with JIT off (PostGIS functions'
 * huge cost estimates make PostgreSQL spend a second JIT-compiling a query that runs in less) and
 * enough work_mem to hash ~100k cell groups instead of sorting a million rows.
 */
export async function withSession<T>(pool: pg.Pool, fn: (db: Db) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL jit = off`);
    await client.query(`SET LOCAL work_mem = '64MB'`);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
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
}

/**
 * Subquery of filtered cases with their point `p` in the metric CRS, their cell index columns `a`, `b`,
 * and `extra` columns (name → expression on alias c). ST_Transform runs once per row: it sits in the
 * target list of an inner query behind unnest(ARRAY[…]) — a set-returning function keeps the planner
 * from flattening the subquery and repeating the transform in every expression that uses p, and unlike
 * a LATERAL function scan it costs no per-row join node (measured: about twice as fast), while the
 * scan and the partial aggregation still run in parallel workers.
 */
function pointsSql(q: CellQuery, args: Args, extra: Record<string, string>, moreWhere: string[] = []): string {
  const srid = args.add(q.area.srid, '::int');
  const size = args.add(q.size, '::float8');
  const [x0, y0, x1, y1] = q.area.bbox4326;
  const box = `ST_MakeEnvelope(${args.add(x0, '::float8')}, ${args.add(y0, '::float8')}, ${args.add(x1, '::float8')}, ${args.add(y1, '::float8')}, 4326)`;
  const where = [`c.geom && ${box}`, ...filterConditions(q.params, args), ...moreWhere];
  const idx = cellIndexSql(q.kind, 'ST_X(s.p)', 'ST_Y(s.p)', size);
  const names = Object.keys(extra);
  return `SELECT ${idx.a} AS a, ${idx.b} AS b, s.p${names.map((n) => `, s.${n}`).join('')}
    FROM (SELECT unnest(ARRAY[ST_Transform(c.geom, ${srid})]) AS p${names.map((n) => `, ${extra[n]} AS ${n}`).join('')}
          FROM cases c WHERE ${where.join(' AND ')}) s
    ${q.kind === 'hex' ? hexLateralSql('ST_X(s.p)', 'ST_Y(s.p)', size) : ''}`;
}

/** The in-area test, made only for cases in boundary cells. */
function inAreaSql(q: CellQuery, args: Args, boundaryKeys: string[]): string {
  if (!boundaryKeys.length) return 'true';
  const keys = args.add(boundaryKeys, '::bigint[]');
  const geom = args.add(q.area.geom, '::geometry');
  return `CASE WHEN ((k.a::bigint << 32) | (k.b::bigint & 4294967295)) = ANY(${keys}) THEN ST_Intersects(${geom}, k.p) ELSE true END`;
}

export interface CellCount {
  a: number;
  b: number;
  n: number;
  first: Date;
  last: Date;
}

/**
 * Counts per cell. Rows for cells outside the lattice (cases in the area's bounding box but not in
 * the area) come back too and are dropped by the caller.
 */
export async function countByCell(db: Db, q: CellQuery, boundaryKeys: string[]): Promise<CellCount[]> {
  const args = new Args();
  const pts = pointsSql(q, args, { reported_at: 'c.reported_at' });
  const sql = `SELECT k.a, k.b, count(*)::int AS n, min(k.reported_at) AS first, max(k.reported_at) AS last
    FROM (${pts}) k WHERE ${inAreaSql(q, args, boundaryKeys)} GROUP BY k.a, k.b`;
  return (await db.query<CellCount>(sql, args.values)).rows;
}

export interface StepCount {
  a: number;
  b: number;
  /** local date of the step's first day, YYYY-MM-DD */
  step: string;
  n: number;
}

/** SQL of the local date a step starts on, for timestamptz expression `ts`. */
export function stepStartSql(step: Step, ts: string): string {
  return `to_char(date_trunc('${step}', ${ts} AT TIME ZONE '${TIME_ZONE}'), 'YYYY-MM-DD')`;
}

/** Counts per cell and time step. */
export async function countByCellAndStep(db: Db, q: CellQuery, boundaryKeys: string[], step: Step): Promise<StepCount[]> {
  const args = new Args();
  const pts = pointsSql(q, args, { step: stepStartSql(step, 'c.reported_at') });
  const sql = `SELECT k.a, k.b, k.step, count(*)::int AS n
    FROM (${pts}) k WHERE ${inAreaSql(q, args, boundaryKeys)} GROUP BY k.a, k.b, k.step`;
  return (await db.query<StepCount>(sql, args.values)).rows;
}

/** First and last report time of the filtered in-area cases (every point tested: no lattice needed). */
export async function reportedRange(db: Db, q: Omit<CellQuery, 'kind' | 'size'>): Promise<{ first: Date | null; last: Date | null }> {
  const args = new Args();
  const pts = pointsSql({ ...q, kind: 'square', size: 1 }, args, { reported_at: 'c.reported_at' });
  const geom = args.add(q.area.geom, '::geometry');
  const { rows } = await db.query(
    `SELECT min(k.reported_at) AS first, max(k.reported_at) AS last FROM (${pts}) k WHERE ST_Intersects(${geom}, k.p)`,
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
  key: string | null;
  name: string | null;
  n: number;
}

/**
 * Per hotspot area (cells given by key → area number): cases by minor category, department, source
 * and month, in one scan. Only cases in the areas' bounding boxes (metric CRS, given per area) are
 * projected and looked up — a bounding-box test on the stored point is all the rest cost.
 */
export async function areaBreakdowns(
  db: Db,
  q: CellQuery,
  boundaryKeys: string[],
  cells: { keys: string[]; comps: number[] },
  boxes: [number, number, number, number][],
): Promise<AreaBreakdownRow[]> {
  if (!cells.keys.length) return [];
  const args = new Args();
  const month = stepStartSql('month', 'c.reported_at');
  const bx = (i: number) => args.add(boxes.map((b) => b[i]), '::float8[]');
  const srid = args.add(q.area.srid, '::int');
  // 10 m of margin: the image of a projected box's straight edges bends a little in degrees
  const boxSql = `ARRAY(SELECT ST_Expand(ST_Transform(ST_MakeEnvelope(x0, y0, x1, y1, ${srid}), 4326), 0.0001)
    FROM unnest(${bx(0)}, ${bx(1)}, ${bx(2)}, ${bx(3)}) AS b(x0, y0, x1, y1))`;
  const pts = pointsSql(q, args, { kind: 'c.kind', minor: 'c.minor', department_id: 'c.department_id', source: 'c.source', month: `left(${month}, 7)` }, [
    `c.geom && ANY(${boxSql})`,
  ]);
  const keys = args.add(cells.keys, '::bigint[]');
  const comps = args.add(cells.comps, '::int[]');
  const sql = `WITH hc AS (SELECT * FROM unnest(${keys}, ${comps}) AS t(key, comp)),
    k AS (SELECT k.*, (k.a::bigint << 32) | (k.b::bigint & 4294967295) AS key FROM (${pts}) k WHERE ${inAreaSql(q, args, boundaryKeys)}),
    g AS (
      SELECT hc.comp, k.kind, k.minor, k.department_id, k.source, k.month, count(*)::int AS n,
             GROUPING(k.kind, k.minor) AS gm, GROUPING(k.department_id) AS gd, GROUPING(k.source) AS gs
      FROM k JOIN hc ON hc.key = k.key
      GROUP BY GROUPING SETS ((hc.comp, k.kind, k.minor), (hc.comp, k.department_id), (hc.comp, k.source), (hc.comp, k.month)))
    SELECT g.comp, g.n,
      CASE WHEN g.gm = 0 THEN 'minor' WHEN g.gd = 0 THEN 'department' WHEN g.gs = 0 THEN 'source' ELSE 'month' END AS dim,
      g.kind,
      CASE WHEN g.gm = 0 THEN g.minor WHEN g.gd = 0 THEN g.department_id WHEN g.gs = 0 THEN g.source ELSE g.month END AS key,
      CASE WHEN g.gm = 0 THEN (SELECT t.name FROM taxonomy t WHERE t.kind = g.kind AND t.code = g.minor AND t.level = 'minor' ORDER BY t.standard LIMIT 1)
           WHEN g.gd = 0 THEN (SELECT d.name FROM departments d WHERE d.id = g.department_id) END AS name
    FROM g`;
  return (await db.query<AreaBreakdownRow>(sql, args.values)).rows;
}
