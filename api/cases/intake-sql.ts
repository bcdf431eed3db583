import { INTAKE_GROUP_WRITES, STORED_MEMBERS_SQL } from '../analysis/repeats/store.ts';

/** Largest batch of reports (batcher.ts). */
export const MAX_BATCH = 200;

/**
 * The two statements of intake, each over a batch of reports (one or many: see batcher.ts).
 * Index filters use boxes in EPSG:4326 made from metric squares; every distance is measured in the analysis CRS.
 */

// COALESCE evaluates lazily: the tolerance search (which reprojects polygons) runs only for points on no polygon.
const containingOrNear = (table: string, cond: string, expr = 't.code') => `COALESCE(
    (SELECT ${expr} FROM ${table} t WHERE ${cond} AND ST_Intersects(t.geom, p.g) ORDER BY t.code LIMIT 1),
    (SELECT ${expr} FROM ${table} t WHERE ${cond} AND t.geom && ST_Transform(ST_Expand(p.m, $4::float8), 4326)
       AND ST_DWithin(ST_Transform(t.geom, $3::int), p.m, $4::float8)
     ORDER BY ST_Distance(ST_Transform(t.geom, $3::int), p.m), t.code LIMIT 1))`;

/**
 * Everything intake derives from each report's point, and its serial. Parameters: $1 reports (JSON array of
 * {lon, lat, kind, minor, key, actor, day, component, dup}), $2 taxonomy standard, $3 analysis SRID, $4 tolerance m,
 * $5 snap m. `dup` is the report's duplicate-report distance (per minor, geodata/repeats.json; 0 = no suggestions).
 * One row per report, in order.
 * - Each step is MATERIALIZED: inlined, every later reference would re-run the lookups of the steps before it.
 * - Grid first: a grid code starts with its community, street and county codes, so the district polygons are only
 *   searched for points on no grid.
 * - Serials are taken last, once per (county, day) for the whole batch and only for valid new reports: the counter
 *   row stays locked from then to the end of this statement, whose commit does not wait for the WAL flush
 *   (synchronous_commit off). Safe: the cases using the serials commit later and synchronously, which flushes this
 *   commit's WAL record too.
 */
export const DERIVE_SQL = `WITH p AS MATERIALIZED (
  SELECT i.*, s.g, t.m,
         ST_Transform(ST_Expand(t.m, $5::float8), 4326) AS env_snap,
         ST_Transform(ST_Expand(t.m, i.dup), 4326) AS env_dup
  FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(v, ord),
       LATERAL (SELECT x.ord, r.* FROM jsonb_to_record(x.v)
                  AS r(lon float8, lat float8, kind text, minor text, key text, actor text, day date, component text, dup float8)) i,
       LATERAL (SELECT ST_SetSRID(ST_MakePoint(i.lon, i.lat), 4326) AS g) s,
       LATERAL (SELECT ST_Transform(s.g, $3::int) AS m) t
  -- Always true; it tells the planner a batch is a row or two (a range on a column without statistics), not the
  -- 100 rows it assumes for a JSON array: at 100 the PostGIS costs pass jit_above_cost, and compiling this
  -- statement with JIT takes PostgreSQL 15 longer than running it a hundred times.
  WHERE x.ord BETWEEN 1 AND ${MAX_BATCH}
), g AS MATERIALIZED (
  SELECT p.*, ${containingOrNear('grids', 'true', 'ARRAY[t.code, t.work_grid_code]')} AS grid FROM p
), c AS MATERIALIZED (
  SELECT p.*, COALESCE(left(p.grid[1], 12), ${containingOrNear('districts', `t.level = 'community'`)}) AS community FROM g p
), s AS MATERIALIZED (
  SELECT p.*, COALESCE(left(p.community, 9), ${containingOrNear('districts', `t.level = 'street'`)}) AS street FROM c p
), d AS MATERIALIZED (
  SELECT p.ord, p.day, p.component, p.street, p.community, p.grid[1] AS grid_code,
    COALESCE(left(p.street, 6), ${containingOrNear('districts', `t.level = 'county'`)}) AS county,
    COALESCE(p.grid[2], (SELECT w.code FROM work_grids w WHERE ST_Intersects(w.geom, p.g) ORDER BY w.code LIMIT 1)) AS work_grid_code,
    (SELECT row_to_json(r) FROM (
       SELECT r.id, r.class, round(ST_Distance(ST_Transform(r.geom, $3::int), p.m)::numeric, 1)::float8 AS distance
       FROM roads r WHERE r.geom && p.env_snap AND ST_DWithin(ST_Transform(r.geom, $3::int), p.m, $5::float8)
       ORDER BY 3, r.id LIMIT 1) r) AS road,
    (SELECT COALESCE(jsonb_agg(jsonb_build_object('id', z.id, 'name', z.name, 'level', z.level, 'windows', z.windows,
              'governedMinors', to_jsonb(z.governed_minors), 'timeLimitClass', z.time_limit_class) ORDER BY z.id), '[]')
       FROM zones z WHERE ST_Intersects(z.geom, p.g)) AS zones,
    (SELECT COALESCE(jsonb_agg(jsonb_build_object('id', x.id, 'distance', x.distance, 'status', x.status, 'reportedAt', x.reported_at)
              ORDER BY x.distance, x.reported_at DESC, x.id), '[]')
       FROM (SELECT c.id, c.status, c.reported_at, round(ST_Distance(ST_Transform(c.geom, $3::int), p.m)::numeric, 1)::float8 AS distance
             FROM cases c
             WHERE p.dup > 0 AND c.status NOT IN ('closed', 'voided') AND c.kind = p.kind AND c.minor = p.minor
               AND c.geom && p.env_dup AND ST_DWithin(ST_Transform(c.geom, $3::int), p.m, p.dup)
             ORDER BY 4, 3 DESC, 1 LIMIT 5) x) AS duplicates,
    (SELECT row_to_json(t) FROM (SELECT major_code, time_limit_value::float8 AS value, time_limit_unit AS unit
       FROM taxonomy WHERE standard = $2 AND kind = p.kind AND level = 'minor' AND code = p.minor) t) AS tax,
    (SELECT row_to_json(k) FROM (SELECT status, body::text AS body, request_hash
       FROM idempotency_keys WHERE key = p.key AND actor = p.actor) k) AS idem
  FROM s p
), v AS (
  SELECT d.ord, d.county, d.day, row_number() OVER (PARTITION BY d.county, d.day ORDER BY d.ord) AS k,
         count(*) OVER (PARTITION BY d.county, d.day) AS n
  FROM d
  WHERE d.county IS NOT NULL AND d.tax IS NOT NULL AND d.idem IS NULL AND (d.component IS NULL OR left(d.component, 6) = d.county)
), alloc AS (
  INSERT INTO case_serials (district_code, day, last)
  SELECT v.county, v.day, count(*) FROM v, (SELECT set_config('synchronous_commit', 'off', true)) async
  GROUP BY v.county, v.day
  ON CONFLICT (district_code, day) DO UPDATE SET last = case_serials.last + EXCLUDED.last
  RETURNING district_code, day, last
)
SELECT d.*, a.last - v.n + v.k AS serial
FROM d LEFT JOIN v ON v.ord = d.ord LEFT JOIN alloc a ON a.district_code = v.county AND a.day = v.day
ORDER BY d.ord`;

const CASES_CTE = `c AS (
  INSERT INTO cases (id, district_code, source, kind, major, minor, description, address, photos, reporter, component_id,
    status, street_code, community_code, grid_code, work_grid_code, road_id, road_class, zones, zone_violation,
    time_limit_value, time_limit_unit, time_limit_class, reported_at, created_at, updated_at, possible_duplicates, geom,
    repeat_group_id, is_repeat)
  SELECT r.id, r.district_code, r.source, r.kind, r.major, r.minor, r.description, r.address, r.photos, r.reporter, r.component_id,
    'reported', r.street_code, r.community_code, r.grid_code, r.work_grid_code, r.road_id, r.road_class, r.zones, r.zone_violation,
    r.time_limit_value, r.time_limit_unit, r.time_limit_class, r.reported_at, r.created_at, r.created_at, r.possible_duplicates,
    ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326), r.repeat_group_id, coalesce(r.is_repeat, false)
  FROM jsonb_to_recordset($1::jsonb) AS r(id text, district_code text, source text, kind text, major text, minor text,
    description text, address text, photos jsonb, reporter text, component_id text, street_code text, community_code text,
    grid_code text, work_grid_code text, road_id text, road_class text, zones jsonb, zone_violation text,
    time_limit_value numeric, time_limit_unit text, time_limit_class text, reported_at timestamptz, created_at timestamptz,
    possible_duplicates jsonb, lon float8, lat float8, repeat_group_id text, is_repeat boolean)
  RETURNING id
)`;

const KEYS_CTE = (param: string) => `k AS (
  INSERT INTO idempotency_keys (key, actor, request_hash, status, body, case_id)
  SELECT k.key, k.actor, k.request_hash, k.status, k.body::json, k.case_id
  FROM jsonb_to_recordset(${param}::jsonb) AS k(key text, actor text, request_hash text, status int, body text, case_id text)
)`;

/**
 * Inserts a batch of cases, their events and idempotency records: all or nothing. For batches with no case the
 * repeat engine groups (部件, 非法小广告): their `repeatGroup` is null, known before the insert.
 * $1 cases, $2 idempotency records, $3 events — JSON arrays (events in the order they are to be numbered).
 */
export const INSERT_SQL = `WITH ${CASES_CTE}, ${KEYS_CTE('$2')}
INSERT INTO case_events (district_code, case_id, type, actor, payload)
SELECT e.district_code, e.case_id, e.type, e.actor, e.payload
FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS x(v, ord),
     jsonb_to_record(x.v) AS e(district_code text, case_id text, type text, actor text, payload jsonb)
ORDER BY x.ord`;

/**
 * The other batches, in one transaction (api/cases/intake.ts): the partitions locked (with the BEGIN), the groups
 * planned (planIntakeGroups), then this statement: the cases with their groups ($1), the group writes ($2 new groups,
 * $3 stored groups joined, $4 partition heads, $6 R in metres, $7 analysis SRID), the idempotency records ($5), and
 * the events ($8: the cases', then one repeat.detected per group reaching its threshold, in the order to be numbered;
 * `members_of` names a stored group whose earlier members the alert's member list starts with).
 */
export const PLANNED_SQL = `WITH ${CASES_CTE}, ${INTAKE_GROUP_WRITES({ created: '$2', joined: '$3', partitions: '$4', radius: '$6', srid: '$7' })}, ${KEYS_CTE('$5')}
INSERT INTO case_events (district_code, case_id, type, actor, payload)
SELECT e.district_code, e.case_id, e.type, e.actor,
       CASE WHEN e.members_of IS NULL THEN e.payload
            ELSE jsonb_set(e.payload, '{members}', ${STORED_MEMBERS_SQL('e.district_code', 'e.members_of', '$6')} || (e.payload->'members')) END
FROM jsonb_array_elements($8::jsonb) WITH ORDINALITY AS x(v, ord),
     jsonb_to_record(x.v) AS e(district_code text, case_id text, type text, actor text, payload jsonb, members_of text)
ORDER BY x.ord`;

/**
 * A batch with a report older than the newest of its partition (which is then recomputed in batch, from the stored
 * cases), in one transaction with the repeat-group assignment:
 *  1. CASES_SQL inserts the cases and reserves the ids of their events ($2 of them, ascending), so the events
 *     — written last, once the groups are known — come before the `repeat.detected` the assignment appends;
 *  2. the repeat engine assigns each case to its group;
 *  3. EVENTS_SQL writes the events under the reserved ids ($1: JSON array of {id, district_code, case_id, type,
 *     actor, payload}) and the idempotency records ($2), whose stored response carries the group.
 */
export const CASES_SQL = `WITH ${CASES_CTE}
SELECT nextval('case_events_id_seq'::regclass) AS id FROM generate_series(1, $2::int) ORDER BY 1`;

export const EVENTS_SQL = `WITH ${KEYS_CTE('$2')}
INSERT INTO case_events (id, district_code, case_id, type, actor, payload)
SELECT e.id, e.district_code, e.case_id, e.type, e.actor, e.payload
FROM jsonb_to_recordset($1::jsonb) AS e(id bigint, district_code text, case_id text, type text, actor text, payload jsonb)`;
