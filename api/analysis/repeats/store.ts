// Stored repeat groups: assignment at intake (one case, inside the intake transaction) and rebuilds with the batch
// engine (a partition after an out-of-order or voided case, or a whole period after an import or a config change).
import type pg from 'pg';
import {
  groupRepeats, isExcluded, nearestAnchor, partitionKey, periodOf, thresholdOf, timeOrder,
  type CaseKind, type Period, type RepeatGrouping, type RepeatsConfig, type RoadClass,
} from '../../domain/repeats.ts';
import { repeatsConfigOf, type RepeatsHost } from './config.ts';
import { fetchCases, MM, scopeSql, snapRoadClasses, type CaseScope, type FetchedCases } from './fetch.ts';
import { ANALYSIS_SETTINGS_SQL, inTransaction, tuneForAnalysis, type Client } from '../tx.ts';

/** What the repeat functions need: the analysis CRS and the rules in force. */
export interface RepeatsContext {
  srid: number;
  repeats: RepeatsConfig;
  /**
   * Name (prepare) the intake writes, planned once per connection: planning them costs as much as running them.
   * Only on a real server: the embedded PGlite is one session under every pool connection, where a name prepared by
   * an earlier connection would clash.
   */
  prepared?: boolean;
}

export async function repeatsContext(app: RepeatsHost & { db?: { kind: string } }): Promise<RepeatsContext> {
  return { srid: await app.analysisSrid(), repeats: repeatsConfigOf(app), prepared: app.db?.kind === 'postgis' };
}

const named = (ctx: RepeatsContext, name: string) => (ctx.prepared ? { name } : {});

/** What intake knows of the case it has just inserted. */
export interface IntakeCase {
  districtCode: string;
  id: string;
  kind: CaseKind;
  minor: string;
  reportedAt: Date;
}

/** The case JSON's `repeatGroup`. */
export interface RepeatGroupRef {
  id: string;
  size: number;
  threshold: number;
  reached: boolean;
}

/** SQL of a case's `repeatGroup` JSON (null when it has no group), for case queries: `${repeatGroupSql('c')} AS "repeatGroup"`. */
export function repeatGroupSql(alias = 'c'): string {
  return `(SELECT json_build_object('id', g.id, 'size', g.size, 'threshold', g.threshold, 'reached', g.size >= g.threshold)
             FROM repeat_groups g WHERE g.district_code = ${alias}.district_code AND g.id = ${alias}.repeat_group_id)`;
}

// Advisory locks (transaction-scoped): intake holds its period shared and its partition exclusive, so concurrent
// intakes of one partition queue and see each other's groups; a period rebuild holds the period exclusive.
// Keys are 64-bit hashes of prefixed text.
const periodLockKey = (period: string) => `repeats|${period}`;
const partitionLockKey = (d: string, kind: string, minor: string, period: string) => `repeats|${d}|${kind}|${minor}|${period}`;

interface IntakeRow {
  /** millimetres in the analysis CRS and µs: integers, as the batch reads them */
  x: number;
  y: number;
  t: number;
  status: string;
  road_class: RoadClass | null;
  key_area: boolean;
  repeat_group_id: string | null;
  anchors: { id: string; t: number; x: number; y: number }[];
  /** the newest case assigned in the partition (µs, id): a newer one than this case means it arrived out of time order */
  newest: { t: number; id: string } | null;
}

/**
 * Assigns a just-inserted case to its repeat group, in the caller's transaction (or its own, given a pool): joins the
 * nearest anchor within R of the same county, kind, minor and period, or starts a group. When the group reaches its
 * threshold, every member is marked a repeat (cases.is_repeat) and one `repeat.detected` case_events row is appended.
 * A case older than the newest of its partition (device-stamped time, late import) makes the partition be recomputed
 * in batch, so the stored groups always equal the batch computation. Returns null for excluded categories and
 * voided cases.
 */
export async function assignRepeatGroup(db: pg.Pool | Client, ctx: RepeatsContext, c: IntakeCase): Promise<RepeatGroupRef | null> {
  return (await assignRepeatGroups(db, ctx, [c]))[0];
}

/**
 * assignRepeatGroup for a batch of just-inserted cases (one INSERT of several reports), in one transaction: the
 * partition locks of the whole batch are taken first, in key order (two batches never wait on each other in a
 * cycle), then the cases are assigned in time order within each partition — a case of every partition at a time, in
 * three statements (assignDistinctPartitions). Results in the order given.
 */
export async function assignRepeatGroups(db: pg.Pool | Client, ctx: RepeatsContext, cases: readonly IntakeCase[]): Promise<(RepeatGroupRef | null)[]> {
  const cfg = ctx.repeats;
  const todo = cases
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => !isExcluded(cfg, c.kind, c.minor))
    .sort((a, b) => a.c.reportedAt.getTime() - b.c.reportedAt.getTime() || (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0));
  const out: (RepeatGroupRef | null)[] = cases.map(() => null);
  if (!todo.length) return out;
  return inTransaction(db, async (client) => {
    const periods = new Set<string>();
    const partitions = new Map<string, { c: IntakeCase; i: number }[]>(); // lock key → its cases in time order
    for (const t of todo) {
      const { c } = t;
      const per = periodOf(c.reportedAt.getTime(), cfg.period, cfg.utcOffsetMinutes).key;
      periods.add(periodLockKey(per));
      const key = partitionLockKey(c.districtCode, c.kind, c.minor, per);
      partitions.set(key, [...(partitions.get(key) ?? []), t]);
    }
    // jit off: PostGIS cost estimates make PostgreSQL compile these small statements
    const settings = `set_config('jit', 'off', true)`;
    if (todo.length === 1) {
      await client.query({
        ...named(ctx, 'repeats-intake-lock'),
        text: `SELECT ${settings}, pg_advisory_xact_lock_shared(hashtextextended($1, 0)), pg_advisory_xact_lock(hashtextextended($2, 0))`,
        values: [[...periods][0], [...partitions.keys()][0]],
      });
    } else {
      await client.query(
        `SELECT ${settings},
                (SELECT count(pg_advisory_xact_lock_shared(hashtextextended(k, 0))) FROM (SELECT unnest($1::text[]) AS k ORDER BY 1) p),
                (SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM (SELECT unnest($2::text[]) AS k ORDER BY 1) q)`,
        [[...periods], [...partitions.keys()]],
      );
    }
    // partitions are independent: round r assigns the r-th case of every partition, a case per partition at a time
    const lists = [...partitions.values()];
    for (let r = 0; ; r++) {
      const round = lists.flatMap((l) => (r < l.length ? [l[r]] : []));
      if (!round.length) break;
      if (round.length === 1) out[round[0].i] = await assignLocked(client, ctx, round[0].c);
      else (await assignDistinctPartitions(client, ctx, round.map(({ c }) => c))).forEach((g, k) => (out[round[k].i] = g));
    }
    return out;
  });
}

/** INTAKE_READ_SQL for several cases at once ($1 counties, $2 ids, $3 period starts), with each anchor's size and threshold. */
const BATCH_READ_SQL = `SELECT u.id, round(ST_X(m.p) * ${MM})::bigint AS x, round(ST_Y(m.p) * ${MM})::bigint AS y,
          (extract(epoch FROM c.reported_at) * 1000000)::bigint AS t, c.status, c.road_class,
          c.zones @> '[{"level":"key"}]'::jsonb AS key_area, c.repeat_group_id,
          (SELECT coalesce(json_agg(json_build_object('id', g.id, 't', (extract(epoch FROM g.anchor_at) * 1000000)::bigint,
                                                      'x', round(ST_X(g.anchor_m) * ${MM})::bigint, 'y', round(ST_Y(g.anchor_m) * ${MM})::bigint,
                                                      'size', g.size, 'threshold', g.threshold)), '[]'::json)
             FROM repeat_groups g
            WHERE ST_DWithin(g.anchor_m, m.p, $5::float8)
              AND g.district_code = c.district_code AND g.kind = c.kind AND g.minor = c.minor AND g.period_start = u.ps) AS anchors,
          (SELECT json_build_object('t', (extract(epoch FROM p.last_at) * 1000000)::bigint, 'id', p.last_id) FROM repeat_partitions p
            WHERE p.district_code = c.district_code AND p.kind = c.kind AND p.minor = c.minor AND p.period_start = u.ps) AS newest
     FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u(d, id, ps)
     JOIN cases c ON c.district_code = u.d AND c.id = u.id
     CROSS JOIN LATERAL (SELECT ST_Transform(c.geom, $4::int) AS p) m`;

/** New groups, one per case: $1 counties, $2 ids (= group ids), $3 periods, $4/$5 their bounds, $6 road classes, $7 key area, $8 thresholds, $9 SRID. */
const BATCH_CREATE_SQL = `WITH u AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::bool[], $8::int[])
         AS u(d, id, period, ps, pe, road, key, threshold)),
     g AS (
       INSERT INTO repeat_groups (district_code, id, kind, minor, period, period_start, period_end, anchor_at, anchor_geom, anchor_m,
                                  road_class, key_area, threshold, size)
       SELECT c.district_code, c.id, c.kind, c.minor, u.period, u.ps, u.pe, c.reported_at, c.geom, ST_Transform(c.geom, $9::int), u.road, u.key, u.threshold, 1
         FROM u JOIN cases c ON c.district_code = u.d AND c.id = u.id
       RETURNING district_code, id, kind, minor, period_start, anchor_at),
     part AS (
       INSERT INTO repeat_partitions (district_code, kind, minor, period_start, last_at, last_id)
       SELECT g.district_code, g.kind, g.minor, g.period_start, g.anchor_at, g.id FROM g
       ON CONFLICT (district_code, kind, minor, period_start) DO UPDATE SET last_at = EXCLUDED.last_at, last_id = EXCLUDED.last_id)
     UPDATE cases c SET repeat_group_id = u.id FROM u WHERE c.district_code = u.d AND c.id = u.id`;

/**
 * Cases joining groups that do not reach their threshold with them (below it, or past it already: then the case is a
 * repeat but nothing new is detected): $1 counties, $2 case ids, $3 group ids, $4 period starts, $5 whether the
 * group had reached its threshold before.
 */
const BATCH_JOIN_SQL = `WITH u AS (SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bool[]) AS u(d, id, g, ps, rep)),
     g AS (
       UPDATE repeat_groups SET size = size + 1, updated_at = now()
         FROM u WHERE repeat_groups.district_code = u.d AND repeat_groups.id = u.g
       RETURNING repeat_groups.id, repeat_groups.size, repeat_groups.threshold),
     me AS (
       UPDATE cases c SET repeat_group_id = u.g, is_repeat = u.rep FROM u WHERE c.district_code = u.d AND c.id = u.id
       RETURNING c.district_code, c.id, c.kind, c.minor, c.reported_at, u.ps),
     part AS (
       INSERT INTO repeat_partitions (district_code, kind, minor, period_start, last_at, last_id)
       SELECT me.district_code, me.kind, me.minor, me.ps, me.reported_at, me.id FROM me
       ON CONFLICT (district_code, kind, minor, period_start) DO UPDATE SET last_at = EXCLUDED.last_at, last_id = EXCLUDED.last_id)
     SELECT id, size, threshold FROM g`;

interface BatchRow extends IntakeRow {
  id: string;
  anchors: { id: string; t: number; x: number; y: number; size: number; threshold: number }[];
}

/**
 * Cases of distinct partitions, all locked, in time order: one statement reads them all, one creates the new groups,
 * one joins the rest — three round trips instead of two per case. What the batch statements do not cover goes case by
 * case through assignLocked, unchanged: a voided or already grouped case, one older than its partition's newest, one
 * whose join reaches the threshold (members marked, repeat.detected). Partitions are distinct, so no case of the batch
 * sees another's writes.
 */
async function assignDistinctPartitions(client: Client, ctx: RepeatsContext, cases: IntakeCase[]): Promise<(RepeatGroupRef | null)[]> {
  const { srid, repeats: cfg } = ctx;
  const pers = cases.map((c) => periodOf(c.reportedAt.getTime(), cfg.period, cfg.utcOffsetMinutes));
  const { rows } = await client.query<BatchRow>({
    ...named(ctx, 'repeats-intake-batch-read'),
    text: BATCH_READ_SQL,
    values: [cases.map((c) => c.districtCode), cases.map((c) => c.id), pers.map((p) => new Date(p.start)), srid, cfg.radiusM + 0.002],
  });
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out: (RepeatGroupRef | null)[] = cases.map(() => null);
  const single: number[] = [];
  const creates: { k: number; roadClass: RoadClass | null; key: boolean }[] = [];
  const joins: { k: number; group: string; size: number; threshold: number }[] = [];
  cases.forEach((c, k) => {
    const row = byId.get(c.id);
    if (!row) throw new Error(`assignRepeatGroups: case ${c.districtCode}/${c.id} is not in the cases table`);
    if (row.status === 'voided') return;
    if (row.repeat_group_id || (row.newest && timeOrder(row.newest, { t: row.t, id: c.id }) > 0)) return void single.push(k);
    const anchor = nearestAnchor(row.anchors.map((a) => ({ ...a, x: a.x / MM, y: a.y / MM })), row.x / MM, row.y / MM, cfg.radiusM);
    if (!anchor) return void creates.push({ k, roadClass: row.road_class, key: row.key_area });
    const a = row.anchors.find((x) => x.id === anchor.id)!;
    if (a.size + 1 === a.threshold) return void single.push(k);
    joins.push({ k, group: a.id, size: a.size, threshold: a.threshold });
  });

  if (creates.length) {
    const unsnapped = creates.filter((x) => x.roadClass === null).map((x) => cases[x.k]);
    const snapped = await snapRoadClasses(client, srid, cfg.roadSnapM, unsnapped);
    for (const x of creates) x.roadClass ??= snapped.get(`${cases[x.k].districtCode}|${cases[x.k].id}`) ?? 'alley';
    const thresholds = creates.map((x) => thresholdOf(cfg.thresholds, x.roadClass!, x.key));
    const col = <T>(f: (x: (typeof creates)[number]) => T) => creates.map(f);
    await client.query({
      ...named(ctx, 'repeats-intake-batch-create'),
      text: BATCH_CREATE_SQL,
      values: [
        col((x) => cases[x.k].districtCode), col((x) => cases[x.k].id), col((x) => pers[x.k].key), col((x) => new Date(pers[x.k].start)),
        col((x) => new Date(pers[x.k].end)), col((x) => x.roadClass), col((x) => x.key), thresholds, srid,
      ],
    });
    creates.forEach((x, j) => (out[x.k] = { id: cases[x.k].id, size: 1, threshold: thresholds[j], reached: false }));
  }
  if (joins.length) {
    const col = <T>(f: (x: (typeof joins)[number]) => T) => joins.map(f);
    const { rows: joined } = await client.query<{ id: string; size: number; threshold: number }>({
      ...named(ctx, 'repeats-intake-batch-join'),
      text: BATCH_JOIN_SQL,
      values: [col((x) => cases[x.k].districtCode), col((x) => cases[x.k].id), col((x) => x.group), col((x) => new Date(pers[x.k].start)), col((x) => x.size + 1 >= x.threshold)],
    });
    const after = new Map(joined.map((g) => [g.id, g]));
    for (const x of joins) {
      const g = after.get(x.group)!;
      out[x.k] = { id: x.group, size: g.size, threshold: g.threshold, reached: g.size >= g.threshold };
    }
  }
  for (const k of single) out[k] = await assignLocked(client, ctx, cases[k]);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// intake: the groups of a batch of reports planned before the cases are written

/** What intake knows of a report it is about to insert: its point and the place it derived. */
export interface IntakePoint extends IntakeCase {
  lon: number;
  lat: number;
  roadClass: RoadClass;
  keyArea: boolean;
}

/**
 * A batch's repeat groups, decided before its cases are written: each case is inserted with its group (no update of
 * the new rows), and one statement (INTAKE_GROUP_WRITES) writes the groups, partitions and member flags.
 */
export interface IntakePlan {
  /** per case, in the order given: its repeatGroup as answered then (null: excluded), and its stored columns */
  refs: (RepeatGroupRef | null)[];
  stored: { repeat_group_id: string | null; is_repeat: boolean }[];
  /** the JSON parameters of INTAKE_GROUP_WRITES: new groups, stored groups joined, partition heads */
  created: string;
  joined: string;
  partitions: string;
  /** one `repeat.detected` per group reaching its threshold, to be appended after the cases' events */
  detected: { district_code: string; case_id: string; type: 'repeat.detected'; actor: null; payload: object; members_of: string | null }[];
}

/** The shared period locks then the exclusive partition locks of a batch, each in key order, as assignRepeatGroups takes them. */
export function intakeLockSql(ctx: RepeatsContext, cases: readonly IntakeCase[], literal: (s: string) => string): string | null {
  const cfg = ctx.repeats;
  const periods = new Set<string>();
  const partitions = new Set<string>();
  for (const c of cases) {
    if (isExcluded(cfg, c.kind, c.minor)) continue;
    const per = periodOf(c.reportedAt.getTime(), cfg.period, cfg.utcOffsetMinutes).key;
    periods.add(periodLockKey(per));
    partitions.add(partitionLockKey(c.districtCode, c.kind, c.minor, per));
  }
  if (!partitions.size) return null;
  const arr = (s: Set<string>) => `ARRAY[${[...s].map(literal).join(', ')}]::text[]`;
  // generic plans for the batch's statements: their parameters are JSON arrays, whose values no custom plan looks into
  return `SELECT set_config('jit', 'off', true), set_config('plan_cache_mode', 'force_generic_plan', true),
    (SELECT count(pg_advisory_xact_lock_shared(hashtextextended(k, 0))) FROM (SELECT unnest(${arr(periods)}) AS k ORDER BY 1) p),
    (SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM (SELECT unnest(${arr(partitions)}) AS k ORDER BY 1) q)`;
}

/**
 * For each report ($1: JSON array of {d, kind, minor, ps, lon, lat}): its point in mm of the analysis CRS ($2), the
 * stored anchors of its partition within $3 m with what a join or an alert needs of them, and the partition's newest case.
 */
const PLAN_READ_SQL = `SELECT round(ST_X(m.p) * ${MM})::bigint AS x, round(ST_Y(m.p) * ${MM})::bigint AS y,
          (SELECT coalesce(json_agg(json_build_object('id', g.id, 't', (extract(epoch FROM g.anchor_at) * 1000000)::bigint,
                    'x', round(ST_X(g.anchor_m) * ${MM})::bigint, 'y', round(ST_Y(g.anchor_m) * ${MM})::bigint,
                    'size', g.size, 'threshold', g.threshold, 'period', g.period, 'roadClass', g.road_class, 'keyArea', g.key_area,
                    'lon', ST_X(g.anchor_geom), 'lat', ST_Y(g.anchor_geom))), '[]'::json)
             -- the spatial index alone (OFFSET 0 keeps the other conditions out): ANDed with the period index, it
             -- would read every group of the month for each report
             FROM (SELECT * FROM repeat_groups g WHERE ST_DWithin(g.anchor_m, m.p, $3::float8) OFFSET 0) g
            WHERE g.district_code = u.d AND g.kind = u.kind AND g.minor = u.minor AND g.period_start = u.ps) AS anchors,
          (SELECT json_build_object('t', (extract(epoch FROM p.last_at) * 1000000)::bigint, 'id', p.last_id) FROM repeat_partitions p
            WHERE p.district_code = u.d AND p.kind = u.kind AND p.minor = u.minor AND p.period_start = u.ps) AS newest
     FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(v, ord),
          LATERAL jsonb_to_record(x.v) AS u(d text, kind text, minor text, ps timestamptz, lon float8, lat float8),
          LATERAL (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), $2::int) AS p) m
    WHERE x.ord BETWEEN 1 AND 1000 -- a batch is a few rows (see DERIVE_SQL): no JIT
    ORDER BY x.ord`;

interface PlanRow {
  x: number;
  y: number;
  anchors: { id: string; t: number; x: number; y: number; size: number; threshold: number; period: string; roadClass: RoadClass; keyArea: boolean; lon: number; lat: number }[];
  newest: { t: number; id: string } | null;
}

interface PlannedGroup {
  d: string;
  id: string;
  kind: CaseKind;
  minor: string;
  period: Period;
  /** anchor, mm of the analysis CRS and µs */
  x: number;
  y: number;
  t: number;
  lon: number;
  lat: number;
  roadClass: RoadClass;
  keyArea: boolean;
  threshold: number;
  size: number;
  stored: boolean;
  /** members from this batch, in time order */
  members: number[];
  reachedBy: number | null;
}

/**
 * Assigns a batch of reports not yet inserted to their repeat groups, as assignRepeatGroups would one by one once they
 * are (same anchors, order, thresholds, alerts), with their partitions locked (intakeLockSql, in an earlier statement of
 * the transaction: this one must see what the lock holders committed). Null when a report is older than the newest of
 * its partition: the partition must be recomputed in batch, which needs the cases stored (assignRepeatGroups).
 */
export async function planIntakeGroups(client: Client, ctx: RepeatsContext, cases: readonly IntakePoint[]): Promise<IntakePlan | null> {
  const { srid, repeats: cfg } = ctx;
  const todo = cases
    .map((c, i) => ({ c, i, per: periodOf(c.reportedAt.getTime(), cfg.period, cfg.utcOffsetMinutes), t: c.reportedAt.getTime() * 1000 }))
    .filter(({ c }) => !isExcluded(cfg, c.kind, c.minor))
    .sort((a, b) => timeOrder({ t: a.t, id: a.c.id }, { t: b.t, id: b.c.id }));
  const plan: IntakePlan = {
    refs: cases.map(() => null), stored: cases.map(() => ({ repeat_group_id: null, is_repeat: false })), created: '[]', joined: '[]', partitions: '[]', detected: [],
  };
  if (!todo.length) return plan;
  const { rows } = await client.query<PlanRow>({
    ...named(ctx, 'repeats-intake-plan'),
    text: PLAN_READ_SQL,
    values: [
      JSON.stringify(todo.map(({ c, per }) => ({ d: c.districtCode, kind: c.kind, minor: c.minor, ps: new Date(per.start), lon: c.lon, lat: c.lat }))),
      srid, cfg.radiusM + 0.002, // R plus the millimetre rounding of both points: nearestAnchor decides, as in batch
    ],
  });
  const groups = new Map<string, PlannedGroup>(); // `${county}|${id}` → group
  const newest = new Map<string, { t: number; id: string } | null>(); // partition → its newest case
  const fresh = new Map<string, PlannedGroup[]>(); // partition → groups started by this batch
  const last = new Map<string, number>(); // partition → index (into todo) of its newest case of this batch
  for (let k = 0; k < todo.length; k++) {
    const { c, i, per, t } = todo[k];
    const row = rows[k];
    const part = partitionKey(c, per.key);
    if (!newest.has(part)) newest.set(part, row.newest);
    const head = newest.get(part);
    if (head && timeOrder(head, { t, id: c.id }) > 0) return null;
    newest.set(part, { t, id: c.id });
    last.set(part, k);
    const candidates = [
      ...row.anchors.map((a) => {
        const key = `${c.districtCode}|${a.id}`;
        if (!groups.has(key)) {
          groups.set(key, {
            d: c.districtCode, id: a.id, kind: c.kind, minor: c.minor, period: per, x: a.x, y: a.y, t: a.t, lon: a.lon, lat: a.lat,
            roadClass: a.roadClass, keyArea: a.keyArea, threshold: a.threshold, size: a.size, stored: true, members: [], reachedBy: null,
          });
        }
        return groups.get(key)!;
      }),
      ...(fresh.get(part) ?? []),
    ];
    const anchor = nearestAnchor(candidates.map((g) => ({ g, id: g.id, t: g.t, x: g.x / MM, y: g.y / MM })), row.x / MM, row.y / MM, cfg.radiusM)?.g;
    if (!anchor) {
      const g: PlannedGroup = {
        d: c.districtCode, id: c.id, kind: c.kind, minor: c.minor, period: per, x: row.x, y: row.y, t, lon: c.lon, lat: c.lat,
        roadClass: c.roadClass, keyArea: c.keyArea, threshold: thresholdOf(cfg.thresholds, c.roadClass, c.keyArea), size: 1, stored: false, members: [k], reachedBy: null,
      };
      groups.set(`${c.districtCode}|${c.id}`, g);
      fresh.set(part, [...(fresh.get(part) ?? []), g]);
      plan.refs[i] = { id: g.id, size: 1, threshold: g.threshold, reached: false };
      continue;
    }
    const before = anchor.size;
    anchor.size++;
    anchor.members.push(k);
    if (before < anchor.threshold && anchor.size >= anchor.threshold) anchor.reachedBy = k;
    plan.refs[i] = { id: anchor.id, size: anchor.size, threshold: anchor.threshold, reached: anchor.size >= anchor.threshold };
  }

  const created: object[] = [];
  const joined: object[] = [];
  // alerts in the order the batch reached them
  for (const g of [...groups.values()].sort((a, b) => (a.reachedBy ?? -1) - (b.reachedBy ?? -1))) {
    if (!g.members.length) continue;
    const reached = g.size >= g.threshold;
    for (const k of g.members) plan.stored[todo[k].i] = { repeat_group_id: g.id, is_repeat: reached };
    const reachedAt = g.reachedBy === null ? null : todo[g.reachedBy].c.reportedAt;
    if (g.stored) joined.push({ d: g.d, id: g.id, add: g.members.length, reached_at: reachedAt });
    else {
      created.push({
        d: g.d, id: g.id, kind: g.kind, minor: g.minor, period: g.period.key, ps: new Date(g.period.start), pe: new Date(g.period.end),
        at: todo[g.members[0]].c.reportedAt, lon: g.lon, lat: g.lat, road: g.roadClass, key: g.keyArea, threshold: g.threshold, size: g.size, reached_at: reachedAt,
      });
    }
    if (g.reachedBy === null) continue;
    const by = todo[g.reachedBy].c;
    plan.detected.push({
      district_code: by.districtCode, case_id: by.id, type: 'repeat.detected', actor: null,
      // a stored group's members before this batch are added by the statement (members_of)
      payload: {
        groupId: g.id, kind: g.kind, minor: g.minor, period: g.period.key, roadClass: g.roadClass, keyArea: g.keyArea, threshold: g.threshold,
        size: g.threshold, anchor: [g.lon, g.lat], members: g.members.filter((k) => k <= g.reachedBy!).map((k) => todo[k].c.id),
      },
      members_of: g.stored ? g.id : null,
    });
  }
  plan.created = JSON.stringify(created);
  plan.joined = JSON.stringify(joined);
  plan.partitions = JSON.stringify([...last.values()].map((k) => ({ d: todo[k].c.districtCode, kind: todo[k].c.kind, minor: todo[k].c.minor, ps: new Date(todo[k].per.start), at: todo[k].c.reportedAt, id: todo[k].c.id })));
  return plan;
}

/**
 * The group writes of an IntakePlan, as CTEs of the statement inserting the batch's cases: new groups ($created),
 * stored groups joined ($joined: their size, and when reached the flag of their stored members), partition heads
 * ($partitions); $radius is R in metres, $srid the analysis CRS.
 */
export const INTAKE_GROUP_WRITES = (p: { created: string; joined: string; partitions: string; radius: string; srid: string }) => `ng AS (
  INSERT INTO repeat_groups (district_code, id, kind, minor, period, period_start, period_end, anchor_at, anchor_geom, anchor_m,
                             road_class, key_area, threshold, size, reached_at)
  SELECT u.d, u.id, u.kind, u.minor, u.period, u.ps, u.pe, u.at, pt.g, ST_Transform(pt.g, ${p.srid}::int), u.road, u.key, u.threshold, u.size, u.reached_at
    FROM jsonb_to_recordset(${p.created}::jsonb) AS u(d text, id text, kind text, minor text, period text, ps timestamptz, pe timestamptz,
           at timestamptz, lon float8, lat float8, road text, key boolean, threshold int, size int, reached_at timestamptz),
         LATERAL (SELECT ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326) AS g) pt
), jg AS (
  UPDATE repeat_groups g SET size = g.size + u.add, updated_at = now(), reached_at = coalesce(g.reached_at, u.reached_at)
    FROM jsonb_to_recordset(${p.joined}::jsonb) AS u(d text, id text, add int, reached_at timestamptz)
   WHERE g.district_code = u.d AND g.id = u.id
), marked AS (
  UPDATE cases m SET is_repeat = true
    FROM jsonb_to_recordset(${p.joined}::jsonb) AS u(d text, id text, add int, reached_at timestamptz), repeat_groups a
   WHERE u.reached_at IS NOT NULL AND a.district_code = u.d AND a.id = u.id
     AND ST_DWithin(m.geom_3857, ST_Transform(a.anchor_geom, 3857), ${p.radius}::float8 / cos(radians(ST_Y(a.anchor_geom))) * 1.01 + 0.01)
     AND m.district_code = u.d AND m.repeat_group_id = u.id AND NOT m.is_repeat
), part AS (
  INSERT INTO repeat_partitions (district_code, kind, minor, period_start, last_at, last_id)
  SELECT u.d, u.kind, u.minor, u.ps, u.at, u.id FROM jsonb_to_recordset(${p.partitions}::jsonb) AS u(d text, kind text, minor text, ps timestamptz, at timestamptz, id text)
  ON CONFLICT (district_code, kind, minor, period_start) DO UPDATE SET last_at = EXCLUDED.last_at, last_id = EXCLUDED.last_id
)`;

/** The stored members (before this statement) of group `group` of county `county`, for a repeat.detected payload: a JSON array of ids in time order. */
export const STORED_MEMBERS_SQL = (county: string, group: string, radius: string) => `(SELECT coalesce(jsonb_agg(m.id ORDER BY m.reported_at, m.id), '[]'::jsonb)
     FROM cases m, repeat_groups a
    WHERE a.district_code = ${county} AND a.id = ${group}
      AND ST_DWithin(m.geom_3857, ST_Transform(a.anchor_geom, 3857), ${radius}::float8 / cos(radians(ST_Y(a.anchor_geom))) * 1.01 + 0.01)
      AND m.district_code = ${county} AND m.repeat_group_id = ${group})`;

/** Cases of group $3 (county $1): every member lies within R ($4) of the anchor, so the spatial index finds them. */
const MEMBERS_SQL = `SELECT m.id, m.reported_at FROM cases m, repeat_groups a
   WHERE a.district_code = $1 AND a.id = $3
     AND ST_DWithin(m.geom_3857, ST_Transform(a.anchor_geom, 3857), $4::float8 / cos(radians(ST_Y(a.anchor_geom))) * 1.01 + 0.01)
     AND m.district_code = $1 AND m.repeat_group_id = $3`;

/** Records case `id` (reported at `src`.anchor_at) as the newest of its partition; `src` is a CTE with kind, minor. */
const PARTITION_UPSERT_SQL = (d: string, periodStart: string, id: string, src = 'g') => `
         INSERT INTO repeat_partitions (district_code, kind, minor, period_start, last_at, last_id)
         SELECT ${d}::text, s.kind, s.minor, ${periodStart}::timestamptz, s.anchor_at, ${id}::text FROM ${src} s
         ON CONFLICT (district_code, kind, minor, period_start) DO UPDATE SET last_at = EXCLUDED.last_at, last_id = EXCLUDED.last_id`;

/** The case, the anchors of its partition within R, and the newest case assigned in the partition. */
const INTAKE_READ_SQL = `SELECT round(ST_X(m.p) * ${MM})::bigint AS x, round(ST_Y(m.p) * ${MM})::bigint AS y,
          (extract(epoch FROM c.reported_at) * 1000000)::bigint AS t, c.status, c.road_class,
          c.zones @> '[{"level":"key"}]'::jsonb AS key_area, c.repeat_group_id,
          (SELECT coalesce(json_agg(json_build_object('id', g.id, 't', (extract(epoch FROM g.anchor_at) * 1000000)::bigint,
                                                      'x', round(ST_X(g.anchor_m) * ${MM})::bigint, 'y', round(ST_Y(g.anchor_m) * ${MM})::bigint)), '[]'::json)
             FROM repeat_groups g
            WHERE ST_DWithin(g.anchor_m, m.p, $5::float8)
              AND g.district_code = c.district_code AND g.kind = c.kind AND g.minor = c.minor AND g.period_start = $3) AS anchors,
          (SELECT json_build_object('t', (extract(epoch FROM p.last_at) * 1000000)::bigint, 'id', p.last_id) FROM repeat_partitions p
            WHERE p.district_code = c.district_code AND p.kind = c.kind AND p.minor = c.minor AND p.period_start = $3) AS newest
     FROM cases c CROSS JOIN LATERAL (SELECT ST_Transform(c.geom, $4::int) AS p) m
    WHERE c.district_code = $1 AND c.id = $2`;

/** One case, its partition locked. */
async function assignLocked(client: Client, ctx: RepeatsContext, c: IntakeCase): Promise<RepeatGroupRef | null> {
  const { srid, repeats: cfg } = ctx;
  const per = periodOf(c.reportedAt.getTime(), cfg.period, cfg.utcOffsetMinutes);
  const { rows } = await client.query<IntakeRow>({
    ...named(ctx, 'repeats-intake-read'),
    text: INTAKE_READ_SQL,
    // $5: R plus the millimetre rounding of both points: the JavaScript comparison in nearestAnchor decides, as in batch
    values: [c.districtCode, c.id, new Date(per.start), srid, cfg.radiusM + 0.002],
  });
  const row = rows[0];
  if (!row) throw new Error(`assignRepeatGroup: case ${c.districtCode}/${c.id} is not in the cases table`);
  if (row.status === 'voided') return null;
  if (row.repeat_group_id) return groupOfCase(client, c.districtCode, c.id);
  if (row.newest && timeOrder(row.newest, { t: row.t, id: c.id }) > 0) {
    await rebuild(client, srid, cfg, { from: per.start, to: per.end, districtCode: c.districtCode, kind: c.kind, minor: c.minor }, { emitEvents: true });
    return groupOfCase(client, c.districtCode, c.id);
  }
  const anchor = nearestAnchor(row.anchors.map((a) => ({ ...a, x: a.x / MM, y: a.y / MM })), row.x / MM, row.y / MM, cfg.radiusM);
  if (!anchor) {
    // no road class stored (a case written without derivations): the nearest road within the snap distance
    const roadClass = row.road_class ?? (await snapRoadClasses(client, srid, cfg.roadSnapM, [c])).get(`${c.districtCode}|${c.id}`) ?? 'alley';
    const threshold = thresholdOf(cfg.thresholds, roadClass, row.key_area);
    await client.query({
      ...named(ctx, 'repeats-intake-create'),
      text: `WITH g AS (
         INSERT INTO repeat_groups (district_code, id, kind, minor, period, period_start, period_end, anchor_at, anchor_geom, anchor_m,
                                    road_class, key_area, threshold, size)
         SELECT c.district_code, c.id, c.kind, c.minor, $3::text, $4::timestamptz, $5::timestamptz, c.reported_at, c.geom, ST_Transform(c.geom, $6::int), $7::text, $8::boolean, $9::int, 1
           FROM cases c WHERE c.district_code = $1 AND c.id = $2
         RETURNING kind, minor, anchor_at),
       part AS (${PARTITION_UPSERT_SQL('$1', '$4', '$2')})
       UPDATE cases SET repeat_group_id = $2 WHERE district_code = $1 AND id = $2`,
      values: [c.districtCode, c.id, per.key, new Date(per.start), new Date(per.end), srid, roadClass, row.key_area, threshold],
    });
    return { id: c.id, size: 1, threshold, reached: false };
  }
  const { rows: joined } = await client.query<{ size: number; threshold: number }>({
    ...named(ctx, 'repeats-intake-join'),
    text: `WITH g AS (
       UPDATE repeat_groups
          SET size = size + 1, updated_at = now(),
              reached_at = CASE WHEN reached_at IS NULL AND size + 1 >= threshold THEN c.reported_at ELSE reached_at END
         FROM cases c
        WHERE c.district_code = $1 AND c.id = $2 AND repeat_groups.district_code = $1 AND repeat_groups.id = $3
        RETURNING repeat_groups.*, c.department_id AS case_department, (repeat_groups.size = repeat_groups.threshold) AS reached_now),
     me AS (
       UPDATE cases SET repeat_group_id = $3, is_repeat = (SELECT size >= threshold FROM g)
        WHERE district_code = $1 AND id = $2 RETURNING id, kind, minor, reported_at AS anchor_at),
     part AS (${PARTITION_UPSERT_SQL('$1', '$5', '$2', 'me')}),
     others AS (
       UPDATE cases SET is_repeat = true
        WHERE (SELECT reached_now FROM g) AND district_code = $1 AND id IN (SELECT m.id FROM (${MEMBERS_SQL}) m) AND NOT is_repeat
        RETURNING id),
     ev AS (
       INSERT INTO case_events (district_code, case_id, type, department_id, payload)
       SELECT $1, $2, 'repeat.detected', g.case_department,
              json_build_object('groupId', g.id, 'kind', g.kind, 'minor', g.minor, 'period', g.period, 'roadClass', g.road_class,
                                'keyArea', g.key_area, 'threshold', g.threshold, 'size', g.size,
                                'anchor', json_build_array(ST_X(g.anchor_geom), ST_Y(g.anchor_geom)),
                                'members', (SELECT jsonb_agg(m.id ORDER BY m.reported_at, m.id) FROM (${MEMBERS_SQL}) m) || to_jsonb($2::text))
         FROM g WHERE g.reached_now
       RETURNING id)
     SELECT size, threshold FROM g`,
    values: [c.districtCode, c.id, anchor.id, cfg.radiusM, new Date(per.start)],
  });
  const g = joined[0];
  return { id: anchor.id, size: g.size, threshold: g.threshold, reached: g.size >= g.threshold };
}

/** The stored group of a case, or null. */
export async function groupOfCase(client: Client, districtCode: string, id: string): Promise<RepeatGroupRef | null> {
  const { rows } = await client.query<{ g: RepeatGroupRef | null }>(`SELECT ${repeatGroupSql('c')} AS g FROM cases c WHERE c.district_code = $1 AND c.id = $2`, [districtCode, id]);
  return rows[0]?.g ?? null;
}

/**
 * Takes the locks intake and recomputeCasePartition hold on a case's partition (its period shared, the partition
 * exclusive) for the rest of the caller's transaction. A transaction that will recompute a partition after writing
 * one of its cases takes them first: intake, holding them, may update that case (a group reaching its threshold
 * marks every member), and the other order would deadlock. Taking them again later is free.
 */
export async function lockCasePartition(client: Client, { repeats: cfg }: RepeatsContext, c: IntakeCase): Promise<void> {
  const per = periodOf(c.reportedAt.getTime(), cfg.period, cfg.utcOffsetMinutes);
  await client.query(`SELECT ${ANALYSIS_SETTINGS_SQL}, pg_advisory_xact_lock_shared(hashtextextended($1, 0)), pg_advisory_xact_lock(hashtextextended($2, 0))`, [
    periodLockKey(per.key), partitionLockKey(c.districtCode, c.kind, c.minor, per.key),
  ]);
}

/**
 * Recomputes the partition of one case (county, kind, minor, period) with the batch engine. Call it in the
 * transaction that voids a case, or changes its category, place or time, so stored groups stay exact.
 */
export function recomputeCasePartition(db: pg.Pool | Client, { srid, repeats: cfg }: RepeatsContext, c: IntakeCase): Promise<RebuildReport> {
  const per = periodOf(c.reportedAt.getTime(), cfg.period, cfg.utcOffsetMinutes);
  return inTransaction(db, async (client) => {
    await lockCasePartition(client, { srid, repeats: cfg }, c);
    return rebuild(client, srid, cfg, { from: per.start, to: per.end, districtCode: c.districtCode, kind: c.kind, minor: c.minor }, { emitEvents: true });
  });
}

/**
 * Rebuilds the stored groups of one whole period (the period containing `at`, e.g. after a bulk import or a change
 * of geodata/repeats.json), optionally for one county. No events: this restates history, it does not detect.
 */
export function recomputePeriod(db: pg.Pool | Client, { srid, repeats: cfg }: RepeatsContext, at: Date, opts: { districtCode?: string } = {}): Promise<RebuildReport & { period: string }> {
  const per = periodOf(at.getTime(), cfg.period, cfg.utcOffsetMinutes);
  return inTransaction(db, async (client) => {
    await client.query(`SELECT ${ANALYSIS_SETTINGS_SQL}, pg_advisory_xact_lock(hashtextextended($1, 0))`, [periodLockKey(per.key)]);
    const report = await rebuild(client, srid, cfg, { from: per.start, to: per.end, districtCode: opts.districtCode }, { emitEvents: false });
    await client.query('ANALYZE repeat_groups'); // a bulk change: fresh statistics keep intake on the spatial index
    return { period: per.key, ...report };
  });
}

export interface RebuildReport {
  cases: number;
  groups: number;
  reachedGroups: number;
  repeatCases: number;
  events: number;
}

/** Groups of a scope by the batch engine, anchors' missing road classes snapped like intake does. */
export async function computeGroups(db: Client, srid: number, cfg: RepeatsConfig, scope: CaseScope, opts: { snapAll?: boolean; area?: 'street' | 'community' } = {}): Promise<FetchedCases & { grouping: RepeatGrouping }> {
  await tuneForAnalysis(db); // callers are in a transaction (inTransaction)
  const fetched = await fetchCases(db, srid, scope, cfg, { area: opts.area });
  const { cols } = fetched;
  const grouping = groupRepeats(cols, cfg);
  const need: number[] = [];
  for (let g = 0; g < grouping.count; g++) if (opts.snapAll || cols.roadClass[grouping.anchor[g]] === null) need.push(g);
  if (need.length) {
    const ref = (g: number) => ({ districtCode: cols.districtCode[grouping.anchor[g]], id: cols.id[grouping.anchor[g]] });
    const classes = await snapRoadClasses(db, srid, cfg.roadSnapM, need.map(ref));
    for (const g of need) {
      const a = ref(g);
      grouping.replace(g, classes.get(`${a.districtCode}|${a.id}`) ?? 'alley', cols.keyArea[grouping.anchor[g]] === 1, cfg.thresholds);
    }
  }
  return { ...fetched, grouping };
}

/** Replaces the stored groups of a scope (whole periods) by the batch computation. */
async function rebuild(client: Client, srid: number, cfg: RepeatsConfig, scope: CaseScope, opts: { emitEvents: boolean }): Promise<RebuildReport> {
  const { cols, departments, grouping: G } = await computeGroups(client, srid, cfg, scope);
  // the stored groups this rebuild replaces
  const gp: unknown[] = [new Date(scope.from), new Date(scope.to)];
  let target: string;
  if (scope.kind && scope.minor && scope.districtCode) {
    // one partition: the groups anchored at or holding its cases, found through the cases (minor, reported_at) index
    gp.push(scope.districtCode, scope.kind, scope.minor);
    target = `(district_code, id) IN (
      SELECT c.district_code, x.g FROM cases c CROSS JOIN LATERAL (VALUES (c.id), (c.repeat_group_id)) x(g)
       WHERE c.reported_at >= $1 AND c.reported_at < $2 AND c.district_code = $3 AND c.kind = $4 AND c.minor = $5 AND x.g IS NOT NULL)`;
  } else {
    const w = ['period_start < $2', 'period_end > $1'];
    if (scope.districtCode) w.push(`district_code = $${gp.push(scope.districtCode)}`);
    if (scope.kind) w.push(`kind = $${gp.push(scope.kind)}`);
    if (scope.minor) w.push(`minor = $${gp.push(scope.minor)}`);
    target = w.join(' AND ');
  }
  const before = opts.emitEvents
    ? new Set((await client.query<{ k: string }>(`SELECT district_code || '|' || id AS k FROM repeat_groups WHERE ${target} AND reached_at IS NOT NULL`, gp)).rows.map((r) => r.k))
    : new Set<string>();
  await client.query(`DELETE FROM repeat_groups WHERE ${target}`, gp);

  const col = <T>(f: (g: number) => T) => Array.from({ length: G.count }, (_, g) => f(g));
  const anchorOf = (g: number) => ({ districtCode: cols.districtCode[G.anchor[g]], id: cols.id[G.anchor[g]], kind: cols.kind[G.anchor[g]], minor: cols.minor[G.anchor[g]] });
  const periodOfGroup = (g: number) => G.periods[G.periodIndex[g]];
  await client.query(
    `INSERT INTO repeat_groups (district_code, id, kind, minor, period, period_start, period_end, anchor_at, anchor_geom, anchor_m,
                                road_class, key_area, threshold, size, reached_at)
     SELECT u.d, u.id, u.kind, u.minor, u.period, u.ps, u.pe, a.reported_at, a.geom, ST_Transform(a.geom, $1::int),
            u.road, u.key, u.threshold, u.size, r.reported_at
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::timestamptz[],
                   $9::text[], $10::bool[], $11::int[], $12::int[], $13::text[])
            AS u(d, id, kind, minor, period, ps, pe, road, key, threshold, size, reached)
       JOIN cases a ON a.district_code = u.d AND a.id = u.id
       LEFT JOIN cases r ON r.district_code = u.d AND r.id = u.reached`,
    [
      srid, col((g) => anchorOf(g).districtCode), col((g) => anchorOf(g).id), col((g) => anchorOf(g).kind), col((g) => anchorOf(g).minor),
      col((g) => periodOfGroup(g).key), col((g) => new Date(periodOfGroup(g).start)), col((g) => new Date(periodOfGroup(g).end)),
      col((g) => G.roadClass(g)), col((g) => G.key[g] === 1), col((g) => G.threshold[g]), col((g) => G.size[g]),
      col((g) => (G.reachedBy[g] >= 0 ? cols.id[G.reachedBy[g]] : null)),
    ],
  );
  // the newest case of each rebuilt partition, for intake's out-of-order check
  const newest = new Map<string, number>(); // partition key → case index
  for (let g = 0; g < G.count; g++) {
    const i = G.last[g];
    const key = `${cols.districtCode[i]}|${cols.kind[i]}|${cols.minor[i]}|${G.periodIndex[g]}`;
    const j = newest.get(key);
    if (j === undefined || cols.t[i] > cols.t[j] || (cols.t[i] === cols.t[j] && cols.id[i] > cols.id[j])) newest.set(key, i);
  }
  const pp: unknown[] = [new Date(scope.from), new Date(scope.to)];
  const pw = ['period_start >= $1', 'period_start < $2'];
  if (scope.districtCode) pw.push(`district_code = $${pp.push(scope.districtCode)}`);
  if (scope.kind) pw.push(`kind = $${pp.push(scope.kind)}`);
  if (scope.minor) pw.push(`minor = $${pp.push(scope.minor)}`);
  await client.query(`DELETE FROM repeat_partitions WHERE ${pw.join(' AND ')}`, pp);
  const heads = [...newest.entries()].map(([key, i]) => ({ i, start: G.periods[Number(key.slice(key.lastIndexOf('|') + 1))].start }));
  await client.query(
    `INSERT INTO repeat_partitions (district_code, kind, minor, period_start, last_at, last_id)
     SELECT c.district_code, c.kind, c.minor, u.ps, c.reported_at, c.id
       FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u(d, id, ps) JOIN cases c ON c.district_code = u.d AND c.id = u.id`,
    [heads.map((h) => cols.districtCode[h.i]), heads.map((h) => cols.id[h.i]), heads.map((h) => new Date(h.start))],
  );

  // cases that take part: set group and flag where they changed
  await client.query(
    `UPDATE cases c SET repeat_group_id = u.g, is_repeat = u.rep
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[]) AS u(d, id, g, rep)
      WHERE c.district_code = u.d AND c.id = u.id AND (c.repeat_group_id IS DISTINCT FROM u.g OR c.is_repeat IS DISTINCT FROM u.rep)`,
    [cols.districtCode, cols.id, Array.from(G.groupOf, (g) => cols.id[G.anchor[g]]), Array.from(G.groupOf, (g) => G.reached(g))],
  );
  // cases in the period that do not take part (voided, excluded): no group
  const rp: unknown[] = [];
  const inScope = scopeSql(scope, cfg, rp);
  const time = `c.reported_at >= $${rp.push(new Date(scope.from))} AND c.reported_at < $${rp.push(new Date(scope.to))}`;
  const part = [scope.districtCode && `c.district_code = $${rp.push(scope.districtCode)}`, scope.kind && `c.kind = $${rp.push(scope.kind)}`, scope.minor && `c.minor = $${rp.push(scope.minor)}`].filter(Boolean);
  await client.query(`UPDATE cases c SET repeat_group_id = NULL, is_repeat = false WHERE ${[time, ...part].join(' AND ')} AND (c.repeat_group_id IS NOT NULL OR c.is_repeat) AND NOT (${inScope})`, rp);
  // cached hotspot results list the stored groups (api/analysis/hotspots/repeat-groups.ts): a rebuild changes
  // what they read, as a case change would (migration 006's counter; the group columns are not watched there,
  // so intake's own group updates cost no extra trigger — its INSERT of the case already counts)
  await client.query(`INSERT INTO case_change_counts AS c (backend, changes) VALUES (pg_backend_pid(), 1)
    ON CONFLICT (backend) DO UPDATE SET changes = c.changes + 1`);

  let events = 0;
  if (opts.emitEvents) {
    for (let g = 0; g < G.count; g++) {
      if (!G.reached(g) || before.has(`${anchorOf(g).districtCode}|${anchorOf(g).id}`)) continue;
      const reacher = G.reachedBy[g];
      await client.query(
        `INSERT INTO case_events (district_code, case_id, type, department_id, payload)
         SELECT g.district_code, $3, 'repeat.detected', $4,
                json_build_object('groupId', g.id, 'kind', g.kind, 'minor', g.minor, 'period', g.period, 'roadClass', g.road_class,
                                  'keyArea', g.key_area, 'threshold', g.threshold, 'size', g.size,
                                  'anchor', json_build_array(ST_X(g.anchor_geom), ST_Y(g.anchor_geom)), 'members', $5::jsonb)
           FROM repeat_groups g WHERE g.district_code = $1 AND g.id = $2`,
        [anchorOf(g).districtCode, anchorOf(g).id, cols.id[reacher], departments[reacher], JSON.stringify(G.members(g).map((i) => cols.id[i]))],
      );
      events++;
    }
  }
  let reachedGroups = 0;
  let repeatCases = 0;
  for (let g = 0; g < G.count; g++) {
    if (!G.reached(g)) continue;
    reachedGroups++;
    repeatCases += G.size[g];
  }
  return { cases: cols.length, groups: G.count, reachedGroups, repeatCases, events };
}
