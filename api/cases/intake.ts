/**
 * Intake (`POST /api/cases`): two round trips, neither holding a lock for long.
 *  1. one statement derives everything from the point (grid, districts, work grid, road, zones, duplicates,
 *     taxonomy, a stored idempotent response) in the analysis CRS and, for a valid new report, takes the serial;
 *  2. one statement inserts the case, its events and the idempotency record: all or nothing.
 * Between them the pure rules (zone violation, zone-class time limit, deadline preview) run in TypeScript.
 * On a real server both are prepared once per connection (statements.ts).
 */
import crypto from 'node:crypto';
import gcoord from 'gcoord';
import type pg from 'pg';
import type { TimeLimit, TimeLimitUnit, WorkCalendar } from '../domain/calendar.ts';
import { caseDay, formatCaseId, MAX_DAILY_SERIAL } from '../domain/case-id.ts';
import { minorKey } from '../domain/taxonomy.ts';
import type { Actor } from '../domain/workflow.ts';
import { zoneTimeLimit, zoneViolation, type ZoneAtPoint } from '../domain/zones.ts';
import type { CaseConfig } from './config.ts';
import { CaseProblem, invalid } from './http.ts';
import { stmt } from './statements.ts';
import { caseJson, caseSummary, type CaseRow, type DuplicateEntry, type ZoneEntry } from './view.ts';

export const CASE_SOURCES = ['patrol', 'hotline', 'wechat', 'web', 'video', 'leader', 'media', 'follow-up'] as const;

export interface IntakeBody {
  source: (typeof CASE_SOURCES)[number];
  kind: 'component' | 'event';
  minor: string;
  description: string;
  lon: number;
  lat: number;
  /** Coordinates as sent: WGS84 (default; CGCS2000 is the same within centimetres) or GCJ-02 from Chinese map SDKs. */
  crs?: 'wgs84' | 'cgcs2000' | 'gcj02';
  address?: string;
  photos?: string[];
  reporter?: string;
  reportedAt?: string;
  componentId?: string;
}

export interface IntakeContext {
  pool: pg.Pool;
  srid: number;
  standard: string;
  cfg: CaseConfig;
  cal: WorkCalendar;
  actor: Actor;
  idempotencyKey: string | null;
  now: Date;
}

export interface IntakeResult {
  status: number;
  /** the case JSON, serialised once (stored as is for Idempotency-Key replays) */
  body: string;
  replayed: boolean;
}

/** A device clock may run ahead of ours; further ahead than this, reportedAt is refused. */
const MAX_CLOCK_SKEW_MS = 60 * 60 * 1000;

// COALESCE evaluates lazily: the tolerance search (which reprojects polygons) runs only for points on no polygon.
const containingOrNear = (table: string, cond: string, expr = 't.code') => `COALESCE(
    (SELECT ${expr} FROM ${table} t WHERE ${cond} AND ST_Intersects(t.geom, p.g) ORDER BY t.code LIMIT 1),
    (SELECT ${expr} FROM ${table} t WHERE ${cond} AND t.geom && ST_Transform(ST_Expand(p.m, $4::float8), 4326)
       AND ST_DWithin(ST_Transform(t.geom, $3::int), p.m, $4::float8)
     ORDER BY ST_Distance(ST_Transform(t.geom, $3::int), p.m), t.code LIMIT 1))`;

/**
 * Everything intake derives from the point, in one statement. Parameters: $1 lon, $2 lat, $3 analysis SRID,
 * $4 tolerance m, $5 snap m, $6 duplicate m, $7 kind, $8 minor, $9 taxonomy standard, $10 idempotency key,
 * $11 actor, $12 local day of the id, $13 component id.
 * - Index filters use boxes in EPSG:4326 made from metric squares; every distance is measured in the analysis CRS.
 * - Grid first: a grid code starts with its community, street and county codes, so the district polygons are only
 *   searched for points on no grid.
 * - Last, and only for a valid new report, the daily serial is taken: the counter row stays locked only from then to
 *   the end of this statement, whose commit does not wait for the WAL flush (synchronous_commit off). Safe: the
 *   case using the serial commits later and synchronously, which flushes this commit's WAL record too.
 */
const DERIVE_SQL = `WITH p AS (
  SELECT s.g, t.m,
         ST_Transform(ST_Expand(t.m, $5::float8), 4326) AS env_snap,
         ST_Transform(ST_Expand(t.m, $6::float8), 4326) AS env_dup
  FROM (SELECT ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 4326) AS g) s,
       LATERAL (SELECT ST_Transform(s.g, $3::int) AS m) t
), g AS (
  SELECT p.*, ${containingOrNear('grids', 'true', 'ARRAY[t.code, t.work_grid_code]')} AS grid FROM p
), c AS (
  SELECT p.*, COALESCE(left(p.grid[1], 12), ${containingOrNear('districts', `t.level = 'community'`)}) AS community FROM g p
), s AS (
  SELECT p.*, COALESCE(left(p.community, 9), ${containingOrNear('districts', `t.level = 'street'`)}) AS street FROM c p
), d AS MATERIALIZED (
  SELECT p.street, p.community, p.grid[1] AS grid_code,
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
             WHERE c.status NOT IN ('closed', 'voided') AND c.kind = $7 AND c.minor = $8
               AND c.geom && p.env_dup AND ST_DWithin(ST_Transform(c.geom, $3::int), p.m, $6::float8)
             ORDER BY 4, 3 DESC, 1 LIMIT 5) x) AS duplicates,
    (SELECT row_to_json(t) FROM (SELECT major_code, time_limit_value::float8 AS value, time_limit_unit AS unit
       FROM taxonomy WHERE standard = $9 AND kind = $7 AND level = 'minor' AND code = $8) t) AS tax,
    (SELECT row_to_json(i) FROM (SELECT status, body::text AS body, request_hash FROM idempotency_keys WHERE key = $10 AND actor = $11) i) AS idem
  FROM s p
), serial AS (
  INSERT INTO case_serials (district_code, day, last)
  SELECT d.county, $12::date, 1 FROM d, (SELECT set_config('synchronous_commit', 'off', true)) async
  WHERE d.county IS NOT NULL AND d.tax IS NOT NULL AND d.idem IS NULL AND ($13::text IS NULL OR left($13::text, 6) = d.county)
  ON CONFLICT (district_code, day) DO UPDATE SET last = case_serials.last + 1
  RETURNING last
)
SELECT d.*, (SELECT last FROM serial) AS serial FROM d`;

interface Derived {
  county: string | null;
  street: string | null;
  community: string | null;
  grid_code: string | null;
  work_grid_code: string | null;
  road: { id: string; class: 'main' | 'secondary' | 'alley'; distance: number } | null;
  zones: ZoneAtPoint[];
  duplicates: DuplicateEntry[];
  tax: { major_code: string; value: number | null; unit: TimeLimitUnit | null } | null;
  idem: StoredResponse | null;
  serial: number | null;
}

interface StoredResponse {
  status: number;
  body: string; // JSON text, replayed as is
  request_hash: string;
}

const INSERT_SQL = `WITH c AS (
  INSERT INTO cases (id, district_code, source, kind, major, minor, description, address, photos, reporter, component_id,
    status, street_code, community_code, grid_code, work_grid_code, road_id, road_class, zones, zone_violation,
    time_limit_value, time_limit_unit, time_limit_class, reported_at, created_at, updated_at, possible_duplicates, geom)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, 'reported', $12, $13, $14, $15, $16, $17, $18::jsonb, $19,
    $20, $21, $22, $23, $24, $24, $25::jsonb, ST_SetSRID(ST_MakePoint($26::float8, $27::float8), 4326))
  RETURNING id, district_code
), i AS (
  INSERT INTO idempotency_keys (key, actor, request_hash, status, body, case_id)
  SELECT $28, $29, $30, 201, $31::json, c.id FROM c WHERE $28::text IS NOT NULL
)
INSERT INTO case_events (district_code, case_id, type, actor, payload)
SELECT c.district_code, c.id, ev.v->>'type', $29, ev.v->'payload'
FROM c, jsonb_array_elements($32::jsonb) WITH ORDINALITY AS ev(v, ord)
ORDER BY ev.ord`;

/** sha256 of the body with sorted keys: a retry re-encoding the same fields in another order is still the same request. */
export function requestHash(body: object): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, sorted(x)])) : v;
  return crypto.createHash('sha256').update(JSON.stringify(sorted(body))).digest('hex');
}

function toWgs84(b: IntakeBody): [number, number] {
  if (b.crs !== 'gcj02') return [b.lon, b.lat];
  return gcoord.transform([b.lon, b.lat], gcoord.GCJ02, gcoord.WGS84) as [number, number];
}

async function storedResponse(pool: pg.Pool, key: string, actor: string): Promise<StoredResponse | null> {
  const { rows } = await pool.query<StoredResponse>('SELECT status, body::text AS body, request_hash FROM idempotency_keys WHERE key = $1 AND actor = $2', [key, actor]);
  return rows[0] ?? null;
}

function replay(stored: StoredResponse, hash: string): IntakeResult {
  if (stored.request_hash !== hash) throw invalid('Idempotency-Key', 'was already used for a different request body');
  return { status: stored.status, body: stored.body, replayed: true };
}

/** Checks the body, derives, numbers and stores a new case. Throws CaseProblem for anything refused. */
export async function intakeCase(ctx: IntakeContext, body: IntakeBody): Promise<IntakeResult> {
  const { pool, cfg, cal, actor, now } = ctx;
  const description = body.description.trim();
  if (!description) throw invalid('description', 'must not be blank');
  const reportedAt = body.reportedAt ? new Date(body.reportedAt) : now;
  if (Number.isNaN(reportedAt.getTime())) throw invalid('reportedAt', 'is not a valid date-time');
  if (reportedAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) throw invalid('reportedAt', 'is in the future');
  if (body.componentId !== undefined) {
    if (body.kind !== 'component') throw invalid('componentId', 'only component (部件) cases refer to a component');
    if (body.componentId.length !== 12 + body.minor.length || body.componentId.slice(6, 6 + body.minor.length) !== body.minor) {
      throw invalid('componentId', `a component id of minor ${body.minor} is county(6) + ${body.minor} + serial(6)`);
    }
  }
  const [lon, lat] = toWgs84(body);
  const hash = requestHash(body);
  const key = ctx.idempotencyKey;
  const day = caseDay(now, cal);

  let d: Derived;
  try {
    d = (await pool.query<Derived>(stmt(pool, 'case-intake-derive', DERIVE_SQL, [
      lon, lat, ctx.srid, cfg.jurisdictionToleranceM, cfg.snapDistanceM, cfg.duplicateDistanceM,
      body.kind, body.minor, ctx.standard, key, actor.user, day, body.componentId ?? null,
    ]))).rows[0];
  } catch (err: any) {
    if (err?.code === '23514' && err?.table === 'case_serials') throw new CaseProblem(503, 'serials_exhausted', `all ${MAX_DAILY_SERIAL} case numbers of ${day} are used`);
    throw err;
  }
  if (d.idem) return replay(d.idem, hash);
  if (!d.tax) {
    const { rows } = await pool.query<{ kind: string }>(`SELECT kind FROM taxonomy WHERE standard = $1 AND level = 'minor' AND code = $2 ORDER BY kind`, [ctx.standard, body.minor]);
    if (rows.length) throw invalid('kind', `minor ${body.minor} is a ${rows.map((r) => r.kind).join('/')} category, not ${body.kind}`);
    throw invalid('minor', `unknown ${body.kind} category ${body.minor} in the taxonomy ${ctx.standard}`);
  }
  const county = d.county;
  if (!county) {
    throw invalid('lon/lat', `(${lon}, ${lat}) is outside the jurisdiction (more than ${cfg.jurisdictionToleranceM} m from every district)`);
  }
  if (body.componentId !== undefined && !body.componentId.startsWith(county)) {
    throw invalid('componentId', `belongs to county ${body.componentId.slice(0, 6)}, the point to ${county}`);
  }
  if (d.serial === null) throw new Error('intake: no serial taken for a valid report');

  const violation = zoneViolation(d.zones, minorKey(body.kind, body.minor), reportedAt, cal.utcOffsetMinutes);
  const base: TimeLimit | null = d.tax.value !== null && d.tax.unit ? { value: d.tax.value, unit: d.tax.unit } : null;
  const limited = base ? zoneTimeLimit(base, d.zones, cfg.zoneTimeLimitFactors) : null;
  const zones: ZoneEntry[] = d.zones.map((z) => ({
    id: z.id, name: z.name, level: z.level, timeLimitClass: z.timeLimitClass, ...(violation?.zoneId === z.id ? { violation: true } : {}),
  }));
  const duplicates = d.duplicates.map((x) => ({ ...x, reportedAt: new Date(x.reportedAt).toISOString() }));
  const row: CaseRow = {
    id: formatCaseId(county, day, d.serial), district_code: county, source: body.source, kind: body.kind, major: d.tax.major_code, minor: body.minor,
    original_category: null, description, address: body.address ?? null, photos: body.photos ?? [], reporter: body.reporter ?? null,
    component_id: body.componentId ?? null, status: 'reported', department_id: null, street_code: d.street, community_code: d.community,
    grid_code: d.grid_code, work_grid_code: d.work_grid_code, road_id: d.road?.id ?? null, road_class: d.road?.class ?? 'alley',
    zones, zone_violation: violation?.level ?? null, is_key: false, time_limit_value: limited?.limit.value ?? null,
    time_limit_unit: limited?.limit.unit ?? null, time_limit_class: limited?.zoneClass ?? null, reported_at: reportedAt,
    accepted_at: null, registered_at: null, dispatched_at: null, handled_at: null, verified_at: null, closed_at: null, voided_at: null,
    suspended_at: null, suspended_seconds: 0, deadline: null, extended_count: 0, rework_count: 0, redispatch_count: 0, duplicate_of: null,
    version: 1, created_at: now, updated_at: now, light: null, possible_duplicates: duplicates, lon, lat,
  };
  const json = JSON.stringify(caseJson(row, actor, now, cal));
  const { allowedActions: _perActor, ...summary } = caseSummary(row, actor);
  const events: { type: string; payload: unknown }[] = [{ type: 'case.created', payload: { ...summary, lon, lat, roadId: row.road_id } }];
  if (duplicates.length) events.push({ type: 'case.duplicate-suggested', payload: { id: row.id, minor: row.minor, duplicates } });
  if (violation) {
    const zone = d.zones.find((z) => z.id === violation.zoneId)!;
    events.push({ type: 'zone.violation', payload: { id: row.id, kind: row.kind, minor: row.minor, level: violation.level, zoneId: zone.id, zoneName: zone.name, at: reportedAt.toISOString() } });
  }

  try {
    await pool.query(stmt(pool, 'case-intake-insert', INSERT_SQL, [
      row.id, row.district_code, row.source, row.kind, row.major, row.minor, row.description, row.address, JSON.stringify(row.photos),
      row.reporter, row.component_id, row.street_code, row.community_code, row.grid_code, row.work_grid_code, row.road_id, row.road_class,
      JSON.stringify(zones), row.zone_violation, row.time_limit_value, row.time_limit_unit, row.time_limit_class, reportedAt, now,
      JSON.stringify(duplicates), lon, lat, key, actor.user, hash, key ? json : null, JSON.stringify(events),
    ]));
  } catch (err: any) {
    // The same key sent twice at once: the other request committed first; answer as it did.
    if (key && err?.code === '23505' && err?.constraint === 'idempotency_keys_pkey') {
      const stored = await storedResponse(pool, key, actor.user);
      if (stored) return replay(stored, hash);
    }
    throw err;
  }
  return { status: 201, body: json, replayed: false };
}
