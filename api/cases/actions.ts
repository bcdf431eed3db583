/**
 * Workflow actions (`POST /api/cases/:id/actions`): read the case, let the pure state machine decide, then one
 * statement updates the row `WHERE version = expected` and appends its event — both or neither. Of two concurrent
 * actions on one version exactly one matches; the other gets a 409 with the current version.
 * A void (作废) takes the case out of repeat grouping: in the same transaction its partition (county, kind, minor,
 * period) is recomputed, so the stored groups stay those of the batch computation. No action changes a case's
 * category, place or time, the other inputs of grouping.
 */
import type pg from 'pg';
import { lockCasePartition, recomputeCasePartition, repeatGroupSql, type RepeatsContext } from '../analysis/repeats/store.ts';
import { transaction } from '../db/connect.ts';
import type { TimeLimit, WorkCalendar } from '../domain/calendar.ts';
import { caseLight } from '../domain/case-light.ts';
import { parseCaseId } from '../domain/case-id.ts';
import { isExcluded } from '../domain/repeats.ts';
import { applyAction, type Actor, type CaseAction, type CaseState } from '../domain/workflow.ts';
import { CaseProblem, invalid } from './http.ts';
import { stmt } from './statements.ts';
import { CASE_COLUMNS, caseJson, toState, type CaseRow } from './view.ts';

export interface ActionBody {
  action: CaseAction;
  expectedVersion: number;
  department?: string;
  note?: string;
  extendBy?: TimeLimit;
  duplicateOf?: string;
  photos?: string[];
}

export interface ActionContext {
  pool: pg.Pool;
  cal: WorkCalendar;
  actor: Actor;
  yellowAt: number;
  now: Date;
  /** repeat rules and analysis CRS (repeatsContext of the app) */
  repeats: () => Promise<RepeatsContext>;
}

/** Case fields the state machine may change → their columns. */
const COLUMNS: Partial<Record<keyof CaseState, string>> = {
  status: 'status', departmentId: 'department_id', timeLimitValue: 'time_limit_value', timeLimitUnit: 'time_limit_unit',
  acceptedAt: 'accepted_at', registeredAt: 'registered_at', dispatchedAt: 'dispatched_at', handledAt: 'handled_at',
  verifiedAt: 'verified_at', closedAt: 'closed_at', voidedAt: 'voided_at', suspendedAt: 'suspended_at',
  suspendedSeconds: 'suspended_seconds', deadline: 'deadline', extendedCount: 'extended_count', reworkCount: 'rework_count',
  redispatchCount: 'redispatch_count', duplicateOf: 'duplicate_of', version: 'version', updatedAt: 'updated_at',
};

/** Thrown as 404 for a missing case, and for a case of another department asked for by department staff:
 *  they are not told it exists (same answer as GET). */
export const notFound = (id: string) => new CaseProblem(404, 'not_found', `no case ${id}`);

/** Whether the actor may see this case at all: department staff see only their department's cases. */
export function visibleTo(r: Pick<CaseRow, 'department_id'>, actor: Actor): boolean {
  return actor.role !== 'department' || (!!actor.department && actor.department === r.department_id);
}

const LOAD_SQL = `SELECT ${CASE_COLUMNS} FROM cases WHERE district_code = $1 AND id = $2`;

/** One case by id (its district is the id's county: the primary key, and the distribution key later). */
export async function loadCase(pool: pg.Pool, id: string): Promise<CaseRow | null> {
  const parsed = parseCaseId(id);
  if (!parsed) return null;
  const { rows } = await pool.query<CaseRow>(stmt(pool, 'case-load', LOAD_SQL, [parsed.county, id]));
  return rows[0] ?? null;
}

async function exists(pool: pg.Pool, sql: string, value: string): Promise<boolean> {
  return (await pool.query(sql, [value])).rowCount! > 0;
}

export async function applyCaseAction(ctx: ActionContext, id: string, body: ActionBody) {
  const { pool, cal, actor, now } = ctx;
  const row = await loadCase(pool, id);
  if (!row || !visibleTo(row, actor)) throw notFound(id);
  if (row.version !== body.expectedVersion) {
    throw new CaseProblem(409, 'stale_version', `case ${id} is at version ${row.version}, not ${body.expectedVersion}: reload it and retry`, 'expectedVersion', { currentVersion: row.version, status: row.status });
  }

  const result = applyAction(toState(row), body.action, {
    now, actor, calendar: cal, department: body.department, extendBy: body.extendBy, duplicateOf: body.duplicateOf, note: body.note, photos: body.photos,
  });
  if (!result.ok) {
    const extra = { status: result.status, action: result.action, allowedActions: result.allowed };
    switch (result.error) {
      case 'illegal_transition':
        throw new CaseProblem(409, 'illegal_transition', `${result.action} is not possible on a ${result.status} case; allowed for you: ${result.allowed.join(', ') || 'none'}`, 'action', extra);
      case 'forbidden':
        throw new CaseProblem(403, 'forbidden', `role ${actor.role} may not ${result.action}; allowed for you: ${result.allowed.join(', ') || 'none'}`, undefined, extra);
      case 'invalid_argument':
        throw new CaseProblem(422, 'invalid_argument', `${result.field}: ${result.message}`, result.field, extra);
    }
  }
  if ((body.action === 'dispatch' || body.action === 'redispatch') && !(await exists(pool, 'SELECT 1 FROM departments WHERE id = $1', body.department!))) {
    throw invalid('department', `unknown department ${body.department}`);
  }
  if (body.action === 'void' && body.duplicateOf && !(await loadCase(pool, body.duplicateOf))) {
    throw invalid('duplicateOf', `no case ${body.duplicateOf}`);
  }

  const { next, changes, event } = result;
  const light = caseLight(next, now, cal, ctx.yellowAt);
  const sets: string[] = [];
  const params: unknown[] = [row.district_code, row.id, body.expectedVersion];
  for (const [field, value] of Object.entries(changes)) {
    const col = COLUMNS[field as keyof CaseState];
    if (!col) throw new Error(`workflow changed ${field}, which has no column`);
    params.push(value);
    sets.push(`${col} = $${params.length}`);
  }
  params.push(light);
  sets.push(`light = $${params.length}`);
  params.push(event.type, event.actor, event.departmentId, JSON.stringify({ ...event.payload, light }));
  const n = params.length;
  // Named per set of changed columns (a dozen shapes).
  const update = stmt(pool, `case-action:${Object.keys(changes).join(',')}`,
    `WITH u AS (
       UPDATE cases SET ${sets.join(', ')} WHERE district_code = $1 AND id = $2 AND version = $3
       RETURNING ${CASE_COLUMNS}
     ), e AS (
       INSERT INTO case_events (district_code, case_id, type, actor, department_id, payload)
       SELECT district_code, id, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::jsonb FROM u
       RETURNING id, created_at
     )
     SELECT u.*, e.id AS event_id, e.created_at AS event_created_at FROM u, e`,
    params,
  );
  type Updated = CaseRow & { event_id: number; event_created_at: Date };
  const rctx = body.action === 'void' ? await ctx.repeats() : null;
  const rows = !rctx || isExcluded(rctx.repeats, row.kind, row.minor)
    ? (await pool.query<Updated>(update)).rows
    : await transaction(pool, async (client) => {
      const me = { districtCode: row.district_code, id: row.id, kind: row.kind, minor: row.minor, reportedAt: row.reported_at };
      await lockCasePartition(client, rctx, me); // before the row lock of the update (see lockCasePartition)
      const r = (await client.query<Updated>(update)).rows;
      if (!r.length) return r;
      await recomputeCasePartition(client, rctx, me);
      // the voided case has left its group; re-read what the recompute stored
      const { rows: g } = await client.query<Pick<CaseRow, 'is_repeat' | 'repeat_group'>>(`SELECT is_repeat, ${repeatGroupSql('cases')} AS repeat_group FROM cases WHERE district_code = $1 AND id = $2`, [row.district_code, row.id]);
      return [{ ...r[0], ...g[0] }];
    });
  if (!rows.length) {
    // Another action won the race for this version since we read the case.
    const current = await loadCase(pool, id);
    throw new CaseProblem(409, 'stale_version', `case ${id} changed meanwhile (now version ${current?.version}): reload it and retry`, 'expectedVersion', { currentVersion: current?.version ?? null, status: current?.status ?? null });
  }
  const { event_id, event_created_at, ...updated } = rows[0];
  return {
    ...caseJson(updated, actor, now, cal),
    event: { id: event_id, type: event.type, actor: event.actor, createdAt: event_created_at.toISOString(), payload: { ...event.payload, light } },
  };
}
