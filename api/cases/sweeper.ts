/**
 * The light sweeper: lights change with the clock, not only with actions, so open cases are re-lit periodically
 * and a `case.light` event is appended for each case whose light changed (green → yellow → red).
 * Red is final until an action moves the deadline (and actions store their light at once), so red cases are skipped.
 * A case without a stored light yet (e.g. imported) gets one silently: unknown → known is not a change.
 */
import type pg from 'pg';
import type { Light, TimeLimitUnit, WorkCalendar } from '../domain/calendar.ts';
import { caseLight } from '../domain/case-light.ts';
import type { CaseStatus } from '../domain/workflow.ts';

export interface SweepOptions {
  yellowAt: number;
  now?: Date;
  /** Cases read and written per statement: keeps each statement (and the embedded single session) short. */
  batch?: number;
}

export interface SweepResult {
  checked: number;
  changed: number;
  events: number;
}

interface LitRow {
  district_code: string;
  id: string;
  version: number;
  status: CaseStatus;
  light: Light | null;
  reported_at: Date;
  registered_at: Date | null;
  deadline: Date;
  time_limit_value: number | null;
  time_limit_unit: TimeLimitUnit | null;
  suspended_at: Date | null;
}

const SELECT_SQL = `SELECT district_code, id, version, status, light, reported_at, registered_at, deadline, time_limit_value,
    time_limit_unit, suspended_at
  FROM cases
  WHERE status NOT IN ('closed', 'voided') AND deadline IS NOT NULL AND light IS DISTINCT FROM 'red'
    AND (district_code, id) > ($1, $2)
  ORDER BY district_code, id LIMIT $3`;

// Compare-and-set on (version, previous light): an action or another API process that got there first wins.
const UPDATE_SQL = `WITH ch AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[]) AS t(district_code, id, version, prev, light)
), u AS (
  UPDATE cases c SET light = ch.light FROM ch
  WHERE c.district_code = ch.district_code AND c.id = ch.id AND c.version = ch.version AND c.light IS NOT DISTINCT FROM ch.prev
  RETURNING c.district_code, c.id, c.department_id, c.status, c.version, c.deadline, ch.prev, ch.light
), e AS (
  INSERT INTO case_events (district_code, case_id, type, actor, department_id, payload)
  SELECT district_code, id, 'case.light', 'system:light-sweeper', department_id,
         jsonb_build_object('from', prev, 'to', light, 'status', status, 'version', version, 'deadline', deadline, 'at', $6::timestamptz)
  FROM u WHERE prev IS NOT NULL
  ORDER BY district_code, id
  RETURNING 1
)
SELECT (SELECT count(*) FROM u) AS changed, (SELECT count(*) FROM e) AS events`;

/** One pass over the open cases; callable from tests with a chosen `now`. */
export async function sweepLights(pool: pg.Pool, cal: WorkCalendar, opts: SweepOptions): Promise<SweepResult> {
  const now = opts.now ?? new Date();
  const batch = opts.batch ?? 2000;
  const result: SweepResult = { checked: 0, changed: 0, events: 0 };
  let after: [string, string] = ['', ''];
  for (;;) {
    const { rows } = await pool.query<LitRow>(SELECT_SQL, [...after, batch]);
    if (!rows.length) break;
    result.checked += rows.length;
    const changed: { r: LitRow; light: Light | null }[] = [];
    for (const r of rows) {
      const light = caseLight(
        { status: r.status, deadline: r.deadline, registeredAt: r.registered_at, reportedAt: r.reported_at, timeLimitValue: r.time_limit_value, timeLimitUnit: r.time_limit_unit, suspendedAt: r.suspended_at },
        now, cal, opts.yellowAt,
      );
      if (light !== r.light) changed.push({ r, light });
    }
    if (changed.length) {
      const col = <T>(f: (c: (typeof changed)[number]) => T) => changed.map(f);
      const { rows: [n] } = await pool.query<{ changed: number; events: number }>(UPDATE_SQL, [
        col((c) => c.r.district_code), col((c) => c.r.id), col((c) => c.r.version), col((c) => c.r.light), col((c) => c.light), now,
      ]);
      result.changed += Number(n.changed);
      result.events += Number(n.events);
    }
    const last = rows[rows.length - 1];
    after = [last.district_code, last.id];
    if (rows.length < batch) break;
  }
  return result;
}

/** Deletes idempotency records older than the TTL: a retry comes within minutes, not days. */
export async function purgeIdempotencyKeys(pool: pg.Pool, ttlHours: number): Promise<number> {
  const r = await pool.query(`DELETE FROM idempotency_keys WHERE created_at < now() - $1::float8 * interval '1 hour'`, [ttlHours]);
  return r.rowCount ?? 0;
}
