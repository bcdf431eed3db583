// Set-based SQL of the case import, run after the staging table is filled: places derived by spatial joins,
// rejections that need the database, departments, then the update of re-imported cases and the insert of
// new ones. The derivation rules are those of intake (issue 3): unit grid containing the point (its codes give
// district / street / community / work grid), nearest road within the snap distance (none → alley), zones the
// point falls in and the zone violation, the strictest zone time-limit class.

export interface DeriveParams {
  srid: number; // analysis CRS: distances in metres
  snapM: number; // nearest road within this distance gives the road class
  toleranceM: number; // jurisdiction tolerance
  utcOffsetMinutes: number; // of the work calendar: restricted-zone windows are local times
  factors: { A: number; B: number; C: number }; // zone time-limit classes
}

const TIMES = ['reported_at', 'accepted_at', 'registered_at', 'dispatched_at', 'handled_at', 'verified_at', 'closed_at', 'voided_at',
  'deadline', 'deadline_a', 'deadline_b', 'deadline_c'];
const ms = (col: string) => `to_timestamp(${col} / 1000.0)`; // staging carries instants as epoch ms (cheap to write and parse)

/** The polygon of `table` containing point p, else the nearest within the tolerance ($2 m) — as intake does. */
function containingOrNear(table: string, cond: string): string {
  return `COALESCE(
      (SELECT t.code FROM ${table} t WHERE ${cond} AND ST_Intersects(t.geom, p.geom) ORDER BY t.code LIMIT 1),
      (SELECT t.code FROM ${table} t WHERE ${cond} AND t.geom && ST_Transform(ST_Expand(p.m, $2::float8), 4326)
         AND ST_DWithin(ST_Transform(t.geom, $1::int), p.m, $2::float8)
       ORDER BY ST_Distance(ST_Transform(t.geom, $1::int), p.m), t.code LIMIT 1))`;
}

const zoneFactor = (col: string) => `CASE ${col} WHEN 'A' THEN $1::numeric WHEN 'B' THEN $2::numeric ELSE $3::numeric END`;

/**
 * The derivation, set-based: the points get a spatial index, and each layer is joined to them polygon by polygon
 * (a polygon's prepared form is reused for all points it holds; a few thousand index probes instead of one per
 * row). Places come from the unit grid containing the point — lowest code on a shared edge, as intake — whose
 * codes carry county, street, community and work grid; the rare point on no grid falls back to the nearest grid
 * within the tolerance, then to the districts. Roads: nearest within the snap distance, on pieces of ≤ 8 vertices
 * and ≤ 200 m segments so that no bounding box is huge. Zones: every zone at the point, the violation naming the
 * first zone by id of the winning level (prohibited over restricted), the strictest time-limit class.
 * Each step: [sql, params]. The last one builds import_rows, the staging rows with every case column.
 * Runs once per chunk of the file, after prepareSteps ran once.
 */
export function prepareSteps(p: Pick<DeriveParams, 'srid'>): [string, unknown[]][] {
  return [
    [`CREATE TEMP TABLE import_roads ON COMMIT DROP AS
      SELECT id, class, ST_Subdivide(ST_Segmentize(ST_Transform(geom, $1::int), 200), 8) AS m FROM roads`, [p.srid]],
    [`CREATE INDEX ON import_roads USING gist (m)`, []],
    [`ANALYZE import_roads`, []],
  ];
}

/** The tables each chunk builds (dropped before the next chunk). */
export const CHUNK_TABLES = ['import_geo', 'import_grid', 'import_fallback', 'import_road', 'import_zone', 'import_rows', 'import_existing', 'import_departments'];

export function deriveSteps(p: DeriveParams): [string, unknown[]][] {
  return [
    [`CREATE TEMP TABLE import_geo ON COMMIT DROP AS
      SELECT line, kind || ':' || minor AS minor_key, ${ms('reported_at')} AS reported_at, g AS geom, ST_Transform(g, $1::int) AS m
      FROM (SELECT line, kind, minor, reported_at, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS g FROM import_staging) s`, [p.srid]],
    [`CREATE INDEX ON import_geo USING gist (geom)`, []],
    [`CREATE INDEX ON import_geo USING gist (m)`, []],
    [`ANALYZE import_geo`, []],
    [`CREATE TEMP TABLE import_grid ON COMMIT DROP AS
      SELECT DISTINCT ON (p.line) p.line, g.code, g.district_code, g.street_code, g.community_code, g.work_grid_code
      FROM grids g JOIN import_geo p ON ST_Intersects(g.geom, p.geom)
      ORDER BY p.line, g.code`, []],
    [`CREATE TEMP TABLE import_fallback ON COMMIT DROP AS
      SELECT f.line, f.grid, COALESCE(left(f.grid, 6), f.county) AS county, COALESCE(left(f.grid, 9), f.street) AS street,
        COALESCE(left(f.grid, 12), f.community) AS community,
        COALESCE((SELECT work_grid_code FROM grids WHERE code = f.grid), f.work_grid) AS work_grid
      FROM (
        SELECT p.line, ${containingOrNear('grids', 'true')} AS grid,
          ${containingOrNear('districts', `t.level = 'county'`)} AS county,
          ${containingOrNear('districts', `t.level = 'street'`)} AS street,
          ${containingOrNear('districts', `t.level = 'community'`)} AS community,
          (SELECT w.code FROM work_grids w WHERE ST_Intersects(w.geom, p.geom) ORDER BY w.code LIMIT 1) AS work_grid
        FROM import_geo p WHERE NOT EXISTS (SELECT 1 FROM import_grid g WHERE g.line = p.line)
      ) f`, [p.srid, p.toleranceM]],
    [`CREATE TEMP TABLE import_road ON COMMIT DROP AS
      SELECT DISTINCT ON (p.line) p.line, r.id, r.class
      FROM import_roads r JOIN import_geo p ON ST_DWithin(r.m, p.m, $1::float8)
      ORDER BY p.line, round(ST_Distance(r.m, p.m)::numeric, 1), r.id`, [p.snapM]],
    [`CREATE TEMP TABLE import_zone ON COMMIT DROP AS
      SELECT line,
        jsonb_agg(jsonb_build_object('id', id, 'name', name, 'level', level, 'timeLimitClass', time_limit_class)
          || CASE WHEN id = named THEN '{"violation": true}'::jsonb ELSE '{}'::jsonb END ORDER BY id) AS zones,
        CASE WHEN bool_or(violating AND level = 'prohibited') THEN 'prohibited'
             WHEN bool_or(violating AND level = 'restricted') THEN 'restricted' END AS violation,
        (array_agg(time_limit_class ORDER BY ${zoneFactor('time_limit_class')}, time_limit_class)
           FILTER (WHERE time_limit_class IS NOT NULL))[1] AS zone_class
      FROM (
        SELECT v.*, COALESCE(min(id) FILTER (WHERE violating AND level = 'prohibited') OVER w,
                             min(id) FILTER (WHERE violating AND level = 'restricted') OVER w) AS named
        FROM (
          SELECT p.line, z.id, z.name, z.level, z.time_limit_class,
            CASE WHEN NOT (p.minor_key = ANY (z.governed_minors)) THEN false
                 WHEN z.level = 'prohibited' THEN true
                 WHEN z.level = 'restricted' THEN NOT EXISTS (
                   SELECT 1 FROM jsonb_array_elements(z.windows) w WHERE zone_window_contains(w, p.reported_at, $4::int))
                 ELSE false END AS violating
          FROM zones z JOIN import_geo p ON ST_Intersects(z.geom, p.geom)
          OFFSET 0 -- a fence: the window check runs once per (case, zone), not once per use of the column
        ) v
        WINDOW w AS (PARTITION BY line)
      ) zz
      GROUP BY line`, [p.factors.A, p.factors.B, p.factors.C, p.utcOffsetMinutes]],
    [`CREATE TEMP TABLE import_rows ON COMMIT DROP AS
      SELECT x.*,
        CASE x.zone_class WHEN 'A' THEN COALESCE(x.deadline_a, x.deadline) WHEN 'B' THEN COALESCE(x.deadline_b, x.deadline)
          WHEN 'C' THEN COALESCE(x.deadline_c, x.deadline) ELSE x.deadline END AS final_deadline,
        CASE x.zone_class WHEN 'A' THEN COALESCE(x.light_a, x.light) WHEN 'B' THEN COALESCE(x.light_b, x.light)
          WHEN 'C' THEN COALESCE(x.light_c, x.light) ELSE x.light END AS final_light,
        CASE WHEN x.zone_class IS NULL OR x.time_limit_value IS NULL THEN x.time_limit_value
          ELSE round(x.time_limit_value * ${zoneFactor('x.zone_class')}, 3) END AS final_time_limit_value
      FROM (
        SELECT s.line, s.id, s.kind, s.major, s.minor, s.original_category, s.source, s.status, s.department, s.description,
          s.address, s.reporter, s.lon, s.lat, ${TIMES.map((t) => `${ms(`s.${t}`)} AS ${t}`).join(', ')},
          s.time_limit_value, s.time_limit_unit, s.light, s.light_a, s.light_b, s.light_c, p.geom,
          COALESCE(g.district_code, f.county) AS district_code,
          COALESCE(g.street_code, f.street) AS street_code,
          COALESCE(g.community_code, f.community) AS community_code,
          COALESCE(g.code, f.grid) AS grid_code,
          COALESCE(g.work_grid_code, f.work_grid) AS work_grid_code,
          r.id AS road_id, COALESCE(r.class, 'alley') AS road_class,
          COALESCE(z.zones, '[]'::jsonb) AS zones, z.violation AS zone_violation, z.zone_class
        FROM import_staging s
        JOIN import_geo p USING (line)
        LEFT JOIN import_grid g USING (line)
        LEFT JOIN import_fallback f USING (line)
        LEFT JOIN import_road r USING (line)
        LEFT JOIN import_zone z USING (line)
      ) x`, [p.factors.A, p.factors.B, p.factors.C]],
  ];
}

export const OUTSIDE = `SELECT line, id FROM import_rows WHERE district_code IS NULL ORDER BY line`;

export const DROP_LINES = `DELETE FROM import_rows WHERE district_code IS NULL OR line = ANY ($1::int[])`;

/**
 * Cases already in the database under an id of the chunk. An index probe per row, fenced with OFFSET 0: a hash
 * join would read all of `cases` once per chunk (it grows by the chunk, and its statistics lag inside the
 * transaction).
 */
export const EXISTING = `CREATE TEMP TABLE import_existing ON COMMIT DROP AS
  SELECT r.line, c.district_code, c.id, c.version, c.imported_version, c.reported_at FROM import_rows r
  CROSS JOIN LATERAL (SELECT c.district_code, c.id, c.version, c.imported_version, c.reported_at FROM cases c WHERE c.id = r.id OFFSET 0) c`;

/**
 * Local days (days since the epoch at UTC offset $2 seconds) of the instants in a column: the write statements
 * return the days they touched, whose repeat-case periods are then recomputed.
 */
const days = (col: string) => `coalesce(array_agg(DISTINCT floor((extract(epoch FROM ${col}) + $2::int) / 86400)::int) FILTER (WHERE ${col} IS NOT NULL), '{}')`;

/** Existing cases the import must not touch: created by intake, or changed here since their import. */
export const NOT_UPDATABLE = `SELECT line, id, version, imported_version FROM import_existing
  WHERE imported_version IS DISTINCT FROM version ORDER BY line`;

/**
 * Departments: each label is matched to a department by id, else by name; labels matching none become new
 * departments with a stable id (imp- + md5 prefix, so a re-import finds them by name and creates nothing).
 */
export const DEPARTMENTS = `CREATE TEMP TABLE import_departments ON COMMIT DROP AS
  SELECT label, COALESCE((SELECT id FROM departments WHERE id = l.label), (SELECT id FROM departments WHERE name = l.label)) AS id
  FROM (SELECT DISTINCT department AS label FROM import_rows WHERE department IS NOT NULL) l`;
export const CREATE_DEPARTMENTS = `INSERT INTO departments (id, name)
  SELECT 'imp-' || left(md5(label), 10), label FROM import_departments WHERE id IS NULL ORDER BY label
  ON CONFLICT DO NOTHING RETURNING id, name`;
export const RESOLVE_DEPARTMENTS = `UPDATE import_departments l SET id = d.id FROM departments d WHERE l.id IS NULL AND d.name = l.label`;

/** Columns written to `cases`, with the import_rows expression of each. */
const WRITTEN: [string, string][] = [
  ['district_code', 'n.district_code'], ['source', 'n.source'], ['kind', 'n.kind'], ['major', 'n.major'], ['minor', 'n.minor'],
  ['original_category', 'n.original_category'], ['description', 'n.description'], ['address', 'n.address'],
  ['reporter', 'n.reporter'], ['status', 'n.status'], ['department_id', 'd.id'], ['street_code', 'n.street_code'],
  ['community_code', 'n.community_code'], ['grid_code', 'n.grid_code'], ['work_grid_code', 'n.work_grid_code'],
  ['road_id', 'n.road_id'], ['road_class', 'n.road_class'], ['zones', 'n.zones'], ['zone_violation', 'n.zone_violation'],
  ['time_limit_value', 'n.final_time_limit_value'], ['time_limit_unit', 'n.time_limit_unit'], ['time_limit_class', 'n.zone_class'],
  ['reported_at', 'n.reported_at'], ['accepted_at', 'n.accepted_at'], ['registered_at', 'n.registered_at'],
  ['dispatched_at', 'n.dispatched_at'], ['handled_at', 'n.handled_at'], ['verified_at', 'n.verified_at'],
  ['closed_at', 'n.closed_at'], ['voided_at', 'n.voided_at'], ['deadline', 'n.final_deadline'],
];

/**
 * Re-imported cases untouched since their import: updated when anything differs (the light, which moves with the
 * clock, is refreshed but does not count as a difference), else left alone. $1 = import id, $2 = UTC offset (s).
 * Returns the count `n` and the local `days` of the old and new report times.
 * The caller runs it only when some exist, with sequential scans off: cases is found by primary key, not scanned.
 */
export const UPDATE = `WITH u AS (UPDATE cases c SET
  ${WRITTEN.map(([col, expr]) => `${col} = ${expr}`).join(', ')},
  light = n.final_light, geom = n.geom, version = c.version + 1, imported_version = c.version + 1,
  import_id = $1::bigint, updated_at = now()
FROM import_rows n JOIN import_existing e ON e.line = n.line AND e.imported_version = e.version
  LEFT JOIN import_departments d ON d.label = n.department
WHERE c.district_code = e.district_code AND c.id = e.id AND c.imported_version = c.version
  AND (${WRITTEN.map(([col]) => `c.${col}`).join(', ')}, ST_X(c.geom), ST_Y(c.geom))
    IS DISTINCT FROM (${WRITTEN.map(([, expr]) => expr).join(', ')}, n.lon, n.lat)
RETURNING e.reported_at AS old_at, n.reported_at AS new_at)
SELECT count(*)::int AS n, ${days('old_at')} || ${days('new_at')} AS days FROM u`;

/** New cases. $1 = import id, $2 = UTC offset (s). Returns the count `n` and the local `days` of their report times. */
export const INSERT = `WITH i AS (INSERT INTO cases (id, ${WRITTEN.map(([c]) => c).join(', ')}, light, geom, import_id, imported_version)
SELECT n.id, ${WRITTEN.map(([, e]) => e).join(', ')}, n.final_light, n.geom, $1::bigint, 1
FROM import_rows n LEFT JOIN import_departments d ON d.label = n.department
WHERE NOT EXISTS (SELECT 1 FROM import_existing e WHERE e.id = n.id)
RETURNING reported_at)
SELECT count(*)::int AS n, ${days('reported_at')} AS days FROM i`;
