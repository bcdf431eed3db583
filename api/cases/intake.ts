/**
 * Intake (`POST /api/cases`): two steps, neither holding a lock for long (SQL in intake-sql.ts).
 *  1. derivation: everything from the point (grid, districts, work grid, road, zones, duplicates within the
 *     category's duplicate distance, taxonomy, a stored idempotent response) in the analysis CRS and, for a valid
 *     new report, its daily serial;
 *  2. insertion: the case, its repeat group (api/analysis/repeats/store.ts), its events and its idempotency record,
 *     all or nothing. A batch of only excluded categories (部件, 非法小广告: no group) is one statement; any other
 *     is one transaction: partitions locked, groups planned, then one statement writing it all (insertReports).
 * Between them the pure rules (zone violation, zone-class time limit, deadline preview) run in TypeScript.
 * Reports arriving together share each step (batcher.ts); on a real server the statements are prepared (statements.ts).
 */
import crypto from 'node:crypto';
import gcoord from 'gcoord';
import type pg from 'pg';
import { assignRepeatGroups, intakeLockSql, planIntakeGroups, type RepeatGroupRef, type RepeatsContext } from '../analysis/repeats/store.ts';
import { transaction } from '../db/connect.ts';
import type { TimeLimit, TimeLimitUnit, WorkCalendar } from '../domain/calendar.ts';
import { caseDay, formatCaseId, MAX_DAILY_SERIAL } from '../domain/case-id.ts';
import { duplicateDistanceFor, isExcluded, type DuplicateDistances } from '../domain/repeats.ts';
import { minorKey } from '../domain/taxonomy.ts';
import type { Actor } from '../domain/workflow.ts';
import { zoneTimeLimit, zoneViolation, type ZoneAtPoint } from '../domain/zones.ts';
import type { CaseConfig } from './config.ts';
import { CaseProblem, invalid } from './http.ts';
import { Batcher } from './batcher.ts';
import { CASES_SQL, DERIVE_SQL, EVENTS_SQL, INSERT_SQL, MAX_BATCH, PLANNED_SQL } from './intake-sql.ts';
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
  statements: IntakeStatements;
  standard: string;
  cfg: CaseConfig;
  /** duplicate-report distance per category (caseDuplicateDistances) */
  duplicates: DuplicateDistances;
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

interface Derived {
  ord: number;
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

/** What one report sends to the derivation statement. */
interface DeriveInput {
  lon: number;
  lat: number;
  kind: string;
  minor: string;
  key: string | null;
  actor: string;
  day: string;
  component: string | null;
  /** duplicate-report distance of the category, metres (0 = none) */
  dup: number;
}

interface EventRow {
  district_code: string;
  case_id: string;
  type: string;
  actor: string;
  payload: unknown;
}

/** What a report writes once its repeat group is known: the response body and its events. */
interface Finished {
  body: string;
  events: EventRow[];
}

/** What one report writes: its case row (as the INSERT reads it), its idempotency record, its events. */
interface InsertInput {
  row: CaseRow;
  /** the idempotency record but its body (the response, known once the group is) */
  key: { key: string; actor: string; request_hash: string; status: number; case_id: string } | null;
  /** how many events `finish` returns (their ids are reserved before the group is known) */
  eventCount: number;
  finish: (group: RepeatGroupRef | null) => Finished;
}

/** The batched statements of one app (one database, one set of settings). */
export interface IntakeStatements {
  derive: Batcher<DeriveInput, Derived>;
  /** → the response body of each report */
  insert: Batcher<InsertInput, string>;
}

const keyRecords = (items: InsertInput[], done: Finished[]) => JSON.stringify(items.flatMap((i, k) => (i.key ? [{ ...i.key, body: done[k].body }] : [])));

/**
 * Writes a batch of reports. One statement when no case of the batch takes part in repeat grouping; otherwise one
 * transaction of four round trips: BEGIN with the partition locks, the groups planned (planIntakeGroups), one statement
 * writing cases, groups, events and keys, COMMIT. A report older than the newest of its partition makes the batch
 * take the path that recomputes a partition from the stored cases: cases (+ event ids), assignment, events + keys.
 */
async function insertReports(pool: pg.Pool, rctx: RepeatsContext, items: InsertInput[]): Promise<string[]> {
  if (!items.some((i) => !isExcluded(rctx.repeats, i.row.kind, i.row.minor))) {
    const done = items.map((i) => i.finish(null));
    await pool.query(stmt(pool, 'case-intake-insert', INSERT_SQL, [JSON.stringify(items.map((i) => i.row)), keyRecords(items, done), JSON.stringify(done.flatMap((d) => d.events))]));
    return done.map((d) => d.body);
  }
  const cases = items.map(({ row: r }) => ({
    districtCode: r.district_code, id: r.id, kind: r.kind, minor: r.minor, reportedAt: r.reported_at, lon: r.lon, lat: r.lat,
    roadClass: r.road_class ?? 'alley', keyArea: r.zones.some((z) => z.level === 'key'),
  }));
  return transaction(pool, async (client) => {
    const plan = await planIntakeGroups(client, rctx, cases);
    if (!plan) return insertThenAssign(pool, client, rctx, items);
    const done = items.map((i, k) => i.finish(plan.refs[k]));
    const rows = JSON.stringify(items.map((i, k) => ({ ...i.row, ...plan.stored[k] }))); // Dates become ISO strings
    const events = JSON.stringify([...done.flatMap((d) => d.events), ...plan.detected]);
    await client.query(stmt(pool, 'case-intake-planned', PLANNED_SQL, [
      rows, plan.created, plan.joined, plan.partitions, keyRecords(items, done), rctx.repeats.radiusM, rctx.srid, events,
    ]));
    return done.map((d) => d.body);
  }, (client) => intakeLockSql(rctx, cases, (s) => client.escapeLiteral(s)));
}

/** The batch stored first, then assigned (assignRepeatGroups: a partition recomputed in batch), then its events. */
async function insertThenAssign(pool: pg.Pool, client: pg.PoolClient, rctx: RepeatsContext, items: InsertInput[]): Promise<string[]> {
  // custom plans again (intakeLockSql forced generic ones): the recompute's range queries want them
  await client.query(`SELECT set_config('plan_cache_mode', 'auto', true)`);
  const total = items.reduce((n, i) => n + i.eventCount, 0);
  const { rows: ids } = await client.query<{ id: number }>(stmt(pool, 'case-intake-cases', CASES_SQL, [JSON.stringify(items.map((i) => i.row)), total]));
  const groups = await assignRepeatGroups(client, rctx, items.map(({ row: r }) => ({ districtCode: r.district_code, id: r.id, kind: r.kind, minor: r.minor, reportedAt: r.reported_at })));
  const done = items.map((i, k) => i.finish(groups[k]));
  let n = 0;
  const events = done.flatMap((d) => d.events.map((e) => ({ id: ids[n++].id, ...e })));
  if (n !== total) throw new Error(`intake: ${n} events written, ${total} ids reserved`);
  await client.query(stmt(pool, 'case-intake-events', EVENTS_SQL, [JSON.stringify(events), keyRecords(items, done)]));
  return done.map((d) => d.body);
}

/**
 * `maxInFlight` per statement: together they may use the whole pool, one connection left for everything else.
 * `repeats` gives the repeat rules and analysis CRS (repeatsContext of the app), asked once per batch.
 */
export function intakeStatements(pool: pg.Pool, repeats: () => Promise<RepeatsContext>, standard: string, cfg: CaseConfig): IntakeStatements {
  const poolSize = (pool.options as { max?: number }).max ?? 10;
  const opts = { maxInFlight: Math.max(1, Math.floor((poolSize - 1) / 2)), maxBatch: MAX_BATCH };
  return {
    derive: new Batcher(async (items) => {
      const params = [JSON.stringify(items), standard, (await repeats()).srid, cfg.jurisdictionToleranceM, cfg.snapDistanceM];
      try {
        return (await pool.query<Derived>(stmt(pool, 'case-intake-derive', DERIVE_SQL, params))).rows;
      } catch (err: any) {
        if (err?.code === '23514' && err?.table === 'case_serials') throw new CaseProblem(503, 'serials_exhausted', `all ${MAX_DAILY_SERIAL} case numbers of the day are used`);
        throw err;
      }
    }, opts),
    insert: new Batcher(async (items) => insertReports(pool, await repeats(), items), opts),
  };
}

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

  const d = await ctx.statements.derive.submit({
    lon, lat, kind: body.kind, minor: body.minor, key, actor: actor.user, day, component: body.componentId ?? null,
    dup: duplicateDistanceFor(ctx.duplicates, body.kind, body.minor),
  });
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
    repeat_group: null, is_repeat: false,
  };
  const zone = violation ? d.zones.find((z) => z.id === violation.zoneId)! : null;
  // The response and the events, once the repeat group is known (the case.created payload carries it, so a live
  // map knows a new repeat case without asking).
  const finish = (group: RepeatGroupRef | null): Finished => {
    const r: CaseRow = { ...row, repeat_group: group, is_repeat: group?.reached ?? false };
    const { allowedActions: _perActor, ...summary } = caseSummary(r, actor);
    const events: { type: string; payload: unknown }[] = [{ type: 'case.created', payload: { ...summary, lon, lat, roadId: row.road_id } }];
    if (duplicates.length) events.push({ type: 'case.duplicate-suggested', payload: { id: row.id, minor: row.minor, duplicates } });
    if (violation && zone) {
      events.push({ type: 'zone.violation', payload: { id: row.id, kind: row.kind, minor: row.minor, level: violation.level, zoneId: zone.id, zoneName: zone.name, at: reportedAt.toISOString() } });
    }
    return {
      body: JSON.stringify(caseJson(r, actor, now, cal)),
      events: events.map((e) => ({ district_code: row.district_code, case_id: row.id, type: e.type, actor: actor.user, payload: e.payload })),
    };
  };

  let json: string;
  try {
    json = await ctx.statements.insert.submit({
      row,
      key: key ? { key, actor: actor.user, request_hash: hash, status: 201, case_id: row.id } : null,
      eventCount: 1 + (duplicates.length ? 1 : 0) + (violation ? 1 : 0),
      finish,
    });
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
