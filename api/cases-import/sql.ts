// Set-based SQL of the case import, run after the staging table is filled: places derived by spatial joins in one
// pass, rejections that need the database, departments, then the update of re-imported cases and the insert of
// new ones. The derivation rules are those of intake (issue 3): unit grid containing the point (its codes give
// district / street / community / work grid), nearest road within the snap distance (none → alley), zones the
// point falls in and the zone violation, the strictest zone time-limit class.

/** A metric copy of the roads, so the snap distance is in metres of the analysis CRS ($1). */
export const PREPARE = [
  `CREATE TEMP TABLE import_roads ON COMMIT DROP AS SELECT id, class, ST_Transform(geom, $1::int) AS m FROM roads`,
  `CREATE INDEX ON import_roads USING gist (m)`,
  `ANALYZE import_roads`,
  `ANALYZE import_staging`,
];

/**
 * The polygon of `table` containing the point, else the nearest within the tolerance ($3 m) — as intake does.
 * Two gated laterals: the tolerance search (which reprojects polygons) runs only for points on no polygon, and
 * neither runs when `gate` is false (a one-time filter).
 */
function containingOrNear(alias: string, table: string, cols: string, gate: string): string {
  return `LEFT JOIN LATERAL (
    SELECT ${cols} FROM ${table} t WHERE ${gate} AND ST_Intersects(t.geom, p.geom) ORDER BY t.code LIMIT 1) ${alias}0 ON true
  LEFT JOIN LATERAL (
    SELECT ${cols} FROM ${table} t WHERE ${gate} AND ${alias}0.code IS NULL
      AND t.geom && ST_Transform(ST_Expand(pm.m, $3::float8), 4326) AND ST_DWithin(ST_Transform(t.geom, $1::int), pm.m, $3::float8)
    ORDER BY ST_Distance(ST_Transform(t.geom, $1::int), pm.m), t.code LIMIT 1) ${alias}1 ON true`;
}

/**
 * $1 analysis SRID, $2 snap distance (m), $3 jurisdiction tolerance (m), $4 calendar UTC offset (minutes),
 * $5..$7 time-limit factors of zone classes A, B, C. Places come from the unit grid (its codes carry county,
 * street, community and work grid); a point on no grid is placed in the districts directly.
 */
export const DERIVE = `CREATE TEMP TABLE import_rows ON COMMIT DROP AS
SELECT x.*,
  CASE x.zone_class WHEN 'A' THEN COALESCE(x.deadline_a, x.deadline) WHEN 'B' THEN COALESCE(x.deadline_b, x.deadline)
    WHEN 'C' THEN COALESCE(x.deadline_c, x.deadline) ELSE x.deadline END AS final_deadline,
  CASE x.zone_class WHEN 'A' THEN COALESCE(x.light_a, x.light) WHEN 'B' THEN COALESCE(x.light_b, x.light)
    WHEN 'C' THEN COALESCE(x.light_c, x.light) ELSE x.light END AS final_light,
  CASE WHEN x.zone_class IS NULL OR x.time_limit_value IS NULL THEN x.time_limit_value
    ELSE round(x.time_limit_value * CASE x.zone_class WHEN 'A' THEN $5::numeric WHEN 'B' THEN $6::numeric ELSE $7::numeric END, 3)
  END AS final_time_limit_value
FROM (
  SELECT s.*, p.geom,
    COALESCE(g0.district_code, g1.district_code, c0.code, c1.code) AS district_code,
    COALESCE(g0.street_code, g1.street_code, st0.code, st1.code) AS street_code,
    COALESCE(g0.community_code, g1.community_code, cm0.code, cm1.code) AS community_code,
    COALESCE(g0.code, g1.code) AS grid_code,
    COALESCE(g0.work_grid_code, g1.work_grid_code, wg.code) AS work_grid_code,
    r.id AS road_id,
    COALESCE(r.class, 'alley') AS road_class,
    COALESCE(z.zones, '[]'::jsonb) AS zones,
    z.violation AS zone_violation,
    z.zone_class
  FROM import_staging s
  CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326) AS geom) p
  CROSS JOIN LATERAL (SELECT ST_Transform(p.geom, $1::int) AS m) pm
  ${containingOrNear('g', 'grids', 't.code, t.district_code, t.street_code, t.community_code, t.work_grid_code', 'true')}
  ${containingOrNear('c', 'districts', 't.code', `g0.code IS NULL AND g1.code IS NULL AND t.level = 'county'`)}
  ${containingOrNear('st', 'districts', 't.code', `g0.code IS NULL AND g1.code IS NULL AND t.level = 'street'`)}
  ${containingOrNear('cm', 'districts', 't.code', `g0.code IS NULL AND g1.code IS NULL AND t.level = 'community'`)}
  LEFT JOIN LATERAL (
    SELECT code FROM work_grids WHERE g0.work_grid_code IS NULL AND g1.work_grid_code IS NULL AND ST_Intersects(geom, p.geom)
    ORDER BY code LIMIT 1) wg ON true
  LEFT JOIN LATERAL (
    SELECT id, class FROM import_roads WHERE ST_DWithin(m, pm.m, $2::float8)
    ORDER BY round(ST_Distance(m, pm.m)::numeric, 1), id LIMIT 1) r ON true
  -- Zones at the point; the violation names the first zone by id of the winning level (prohibited over restricted).
  LEFT JOIN LATERAL (
    SELECT
      jsonb_agg(jsonb_build_object('id', zz.id, 'name', zz.name, 'level', zz.level, 'timeLimitClass', zz.time_limit_class)
        || CASE WHEN zz.id = zz.named THEN '{"violation": true}'::jsonb ELSE '{}'::jsonb END ORDER BY zz.id) AS zones,
      CASE WHEN bool_or(zz.violating AND zz.level = 'prohibited') THEN 'prohibited'
           WHEN bool_or(zz.violating AND zz.level = 'restricted') THEN 'restricted' END AS violation,
      (array_agg(zz.time_limit_class ORDER BY CASE zz.time_limit_class WHEN 'A' THEN $5::numeric WHEN 'B' THEN $6::numeric
         ELSE $7::numeric END, zz.time_limit_class) FILTER (WHERE zz.time_limit_class IS NOT NULL))[1] AS zone_class
    FROM (
      SELECT v.*, COALESCE(min(v.id) FILTER (WHERE v.violating AND v.level = 'prohibited') OVER (),
                           min(v.id) FILTER (WHERE v.violating AND v.level = 'restricted') OVER ()) AS named
      FROM (
        SELECT zo.id, zo.name, zo.level, zo.time_limit_class,
          CASE WHEN NOT ((s.kind || ':' || s.minor) = ANY (zo.governed_minors)) THEN false
               WHEN zo.level = 'prohibited' THEN true
               WHEN zo.level = 'restricted' THEN NOT EXISTS (
                 SELECT 1 FROM jsonb_array_elements(zo.windows) w WHERE zone_window_contains(w, s.reported_at, $4::int))
               ELSE false END AS violating
        FROM zones zo WHERE ST_Intersects(zo.geom, p.geom)
      ) v
    ) zz
  ) z ON true
) x`;

export const OUTSIDE = `SELECT line, id FROM import_rows WHERE district_code IS NULL ORDER BY line`;

/** Later rows repeating an id of an earlier row of the file (the first one is imported). */
export const DUPLICATES = `SELECT r.line, r.id, f.first FROM import_rows r
  JOIN (SELECT id, min(line) AS first FROM import_rows WHERE district_code IS NOT NULL GROUP BY id HAVING count(*) > 1) f
    ON f.id = r.id AND r.line > f.first
  WHERE r.district_code IS NOT NULL ORDER BY r.line`;

export const DROP_LINES = `DELETE FROM import_rows WHERE district_code IS NULL OR line = ANY ($1::int[])`;

/** Cases already in the database under an id of the file. */
export const EXISTING = [
  `CREATE TEMP TABLE import_existing ON COMMIT DROP AS
     SELECT r.line, c.id, c.version, c.imported_version FROM cases c JOIN import_rows r ON r.id = c.id`,
];

/** Existing cases the import must not touch: created by intake, or changed here since their import. */
export const NOT_UPDATABLE = `SELECT line, id, version, imported_version FROM import_existing
  WHERE imported_version IS DISTINCT FROM version ORDER BY line`;

/**
 * Departments: each label is matched to a department by id, else by name; labels matching none become new
 * departments with a stable id (imp- + md5 prefix, so a re-import finds them by name and creates nothing).
 */
export const DEPARTMENTS = [
  `CREATE TEMP TABLE import_departments ON COMMIT DROP AS
     SELECT label, COALESCE((SELECT id FROM departments WHERE id = l.label), (SELECT id FROM departments WHERE name = l.label)) AS id
     FROM (SELECT DISTINCT department AS label FROM import_rows WHERE department IS NOT NULL) l`,
];
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
 * clock, is refreshed but does not count as a difference), else left alone. $1 = import id. Returns the count.
 */
export const UPDATE = `UPDATE cases c SET
  ${WRITTEN.map(([col, expr]) => `${col} = ${expr}`).join(', ')},
  light = n.final_light, geom = n.geom, version = c.version + 1, imported_version = c.version + 1,
  import_id = $1::bigint, updated_at = now()
FROM import_rows n LEFT JOIN import_departments d ON d.label = n.department
WHERE c.id = n.id AND c.imported_version = c.version
  AND (${WRITTEN.map(([col]) => `c.${col}`).join(', ')}, ST_X(c.geom), ST_Y(c.geom))
    IS DISTINCT FROM (${WRITTEN.map(([, expr]) => expr).join(', ')}, n.lon, n.lat)`;

/** New cases. $1 = import id. */
export const INSERT = `INSERT INTO cases (id, ${WRITTEN.map(([c]) => c).join(', ')}, light, geom, import_id, imported_version)
SELECT n.id, ${WRITTEN.map(([, e]) => e).join(', ')}, n.final_light, n.geom, $1::bigint, 1
FROM import_rows n LEFT JOIN import_departments d ON d.label = n.department
WHERE NOT EXISTS (SELECT 1 FROM import_existing e WHERE e.id = n.id)`;
