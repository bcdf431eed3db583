/**
 * The case state machine (受理 → 立案 → 派遣 → 处置 → 核查 → 结案, plus 作废 / 返工 / 二次派遣·回退 / 延期 / 挂账).
 * Pure: given a case's workflow fields, an action and its context, it returns the changed fields and the one
 * event to append — or an error that lists what this actor may do instead. Persisting both in one transaction
 * and checking `expectedVersion` is the caller's job.
 * Field names are those of the `cases` table (api/db/migrations/001_foundation.sql), camelCased.
 */
import {
  closedTimeliness,
  computeDeadline,
  extendDeadline,
  resumeDeadline,
  TIME_LIMIT_UNITS,
  type TimeLimit,
  type TimeLimitUnit,
  type Timeliness,
  type WorkCalendar,
} from './calendar.ts';

export const CASE_STATUSES = ['reported', 'accepted', 'registered', 'dispatched', 'handled', 'verified', 'closed', 'voided', 'suspended'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const CASE_ACTIONS = [
  'accept', 'register', 'dispatch', 'handle', 'verify-pass', 'verify-fail',
  'redispatch', 'return', 'extend', 'suspend', 'resume', 'void', 'close',
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

export const ROLES = ['collector', 'operator', 'dispatcher', 'department', 'analyst', 'manager', 'display'] as const;
export type Role = (typeof ROLES)[number];

/** Where each action may be taken and where it leads. Anything not listed is an illegal transition. */
export const TRANSITIONS: Readonly<Record<CaseStatus, Readonly<Partial<Record<CaseAction, CaseStatus>>>>> = {
  reported: { accept: 'accepted', void: 'voided' },
  accepted: { register: 'registered', void: 'voided' },
  registered: { dispatch: 'dispatched', void: 'voided' },
  dispatched: {
    handle: 'handled',
    redispatch: 'dispatched', // 二次派遣 to another department
    return: 'registered', // 回退 to the command centre, to be dispatched again
    extend: 'dispatched', // 延期
    suspend: 'suspended', // 挂账
  },
  handled: { 'verify-pass': 'verified', 'verify-fail': 'dispatched' }, // 返工: back to the same department
  verified: { close: 'closed' },
  // Suspension is only entered from `dispatched`, so "back to the previous state" is always `dispatched`:
  // the table needs no column remembering it.
  suspended: { resume: 'dispatched' },
  closed: {},
  voided: {},
};

/** Who may take each action (the role list). analyst, manager and display take none. */
export const ACTION_ROLES: Readonly<Record<CaseAction, readonly Role[]>> = {
  accept: ['operator'],
  register: ['operator'],
  void: ['operator'],
  close: ['operator'],
  dispatch: ['dispatcher'],
  redispatch: ['dispatcher'],
  return: ['dispatcher'],
  extend: ['dispatcher'],
  suspend: ['dispatcher'],
  resume: ['dispatcher'],
  handle: ['department'],
  'verify-pass': ['collector'],
  'verify-fail': ['collector'],
};

/** Intake (report) is not a transition: it creates the case in `reported`. Collectors report from the field;
 *  operators (受理员) enter what arrives by 12345 hotline, WeChat, web, leaders and media. */
export const REPORT_ROLES: readonly Role[] = ['collector', 'operator'];

export function canReport(role: Role): boolean {
  return REPORT_ROLES.includes(role);
}

export function isOpen(status: CaseStatus): boolean {
  return status !== 'closed' && status !== 'voided';
}

/** The workflow fields of a `cases` row (camelCased). Timestamps are Dates, `timeLimitValue` a number. */
export interface CaseState {
  id: string;
  districtCode: string;
  status: CaseStatus;
  departmentId: string | null;
  timeLimitValue: number | null;
  timeLimitUnit: TimeLimitUnit | null;
  reportedAt: Date;
  acceptedAt: Date | null;
  registeredAt: Date | null;
  dispatchedAt: Date | null;
  handledAt: Date | null;
  verifiedAt: Date | null;
  closedAt: Date | null;
  voidedAt: Date | null;
  suspendedAt: Date | null;
  suspendedSeconds: number;
  deadline: Date | null;
  extendedCount: number;
  reworkCount: number;
  redispatchCount: number;
  duplicateOf: string | null;
  version: number;
  updatedAt?: Date;
}

export interface Actor {
  user: string;
  role: Role;
  department?: string | null; // for department staff: the department they work for
}

export interface ActionContext {
  now: Date;
  actor: Actor;
  calendar: WorkCalendar;
  timeLimit?: TimeLimit; // register: the minor's limit (already shortened by zone class); else the case's own
  department?: string; // dispatch / redispatch: target department
  extendBy?: TimeLimit; // extend
  duplicateOf?: string; // void
  note?: string;
  photos?: unknown[]; // handle: feedback photos
}

/** One `case_events` row to append (id and created_at are the database's). */
export interface CaseEvent {
  type: 'case.updated';
  caseId: string;
  districtCode: string;
  actor: string;
  departmentId: string | null;
  payload: {
    action: CaseAction;
    from: CaseStatus;
    to: CaseStatus;
    role: Role;
    at: string;
    note?: string;
    [key: string]: unknown;
  };
}

export type ActionResult<T extends CaseState = CaseState> =
  | { ok: true; next: T; changes: Partial<CaseState>; event: CaseEvent }
  | { ok: false; error: 'illegal_transition'; status: CaseStatus; action: string; allowed: CaseAction[] }
  | { ok: false; error: 'forbidden'; reason: 'role' | 'not_own_case'; status: CaseStatus; action: CaseAction; allowed: CaseAction[] }
  | { ok: false; error: 'invalid_argument'; field: string; message: string; status: CaseStatus; action: CaseAction; allowed: CaseAction[] };

/** Actions a role may take on a case in this status (ignoring department ownership). */
export function allowedActions(status: CaseStatus, role: Role): CaseAction[] {
  return CASE_ACTIONS.filter((a) => TRANSITIONS[status][a] !== undefined && ACTION_ROLES[a].includes(role));
}

/** Actions this actor may take on this case: department staff only act on their own department's cases. */
export function allowedActionsFor(c: Pick<CaseState, 'status' | 'departmentId'>, actor: Actor): CaseAction[] {
  if (actor.role === 'department' && (!actor.department || actor.department !== c.departmentId)) return [];
  return allowedActions(c.status, actor.role);
}

function isAction(a: string): a is CaseAction {
  return (CASE_ACTIONS as readonly string[]).includes(a);
}

function validLimit(l: TimeLimit | undefined): l is TimeLimit {
  return !!l && TIME_LIMIT_UNITS.includes(l.unit) && Number.isFinite(l.value) && l.value >= 0;
}

function limitPayload(l: TimeLimit): { value: number; unit: TimeLimitUnit } {
  return { value: l.value, unit: l.unit };
}

/** The latest workflow timestamp: a transition may not be dated before it (durations would turn negative).
 *  reportedAt is left out: it comes from the reporter's device, whose clock may run ahead of the server's. */
function lastTransitionAt(c: CaseState): number {
  const ts = [c.acceptedAt, c.registeredAt, c.dispatchedAt, c.handledAt, c.verifiedAt, c.closedAt, c.voidedAt, c.suspendedAt];
  return Math.max(...ts.map((d) => (d ? d.getTime() : -Infinity)));
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * Applies one workflow action. On success returns the changed fields (always including status, version + 1
 * and updatedAt), the full next state and exactly one event. Errors list the actions this actor may take.
 */
export function applyAction<T extends CaseState>(c: T, action: string, ctx: ActionContext): ActionResult<T> {
  const { now, actor } = ctx;
  const allowed = allowedActionsFor(c, actor);
  const to = isAction(action) ? TRANSITIONS[c.status][action] : undefined;
  if (!isAction(action) || to === undefined) return { ok: false, error: 'illegal_transition', status: c.status, action, allowed };
  if (!ACTION_ROLES[action].includes(actor.role)) return { ok: false, error: 'forbidden', reason: 'role', status: c.status, action, allowed };
  if (actor.role === 'department' && (!actor.department || actor.department !== c.departmentId)) {
    return { ok: false, error: 'forbidden', reason: 'not_own_case', status: c.status, action, allowed };
  }
  const invalid = (field: string, message: string): ActionResult<T> => ({ ok: false, error: 'invalid_argument', field, message, status: c.status, action, allowed });
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) return invalid('now', 'not a valid time');
  if (now.getTime() < lastTransitionAt(c)) return invalid('now', 'is before the case\'s last transition');

  const changes: Partial<CaseState> = { status: to };
  const extra: Record<string, unknown> = {};
  switch (action) {
    case 'accept':
      changes.acceptedAt = now;
      break;
    case 'register': {
      const limit = ctx.timeLimit ?? (c.timeLimitValue !== null && c.timeLimitUnit !== null ? { value: c.timeLimitValue, unit: c.timeLimitUnit } : undefined);
      if (!validLimit(limit)) return invalid('timeLimit', 'registration needs the minor category\'s time limit {value ≥ 0, unit}');
      changes.registeredAt = now;
      changes.timeLimitValue = limit.value;
      changes.timeLimitUnit = limit.unit;
      changes.deadline = computeDeadline(now, limit, ctx.calendar);
      extra.timeLimit = limitPayload(limit);
      break;
    }
    case 'dispatch':
      if (!ctx.department) return invalid('department', 'dispatch needs a department');
      changes.departmentId = ctx.department;
      changes.dispatchedAt = now;
      break;
    case 'redispatch':
      if (!ctx.department) return invalid('department', 'redispatch needs the new department');
      if (ctx.department === c.departmentId) return invalid('department', 'redispatch must go to another department (use return to send it back to the centre)');
      changes.departmentId = ctx.department;
      changes.dispatchedAt = now; // when the new department received it
      changes.redispatchCount = c.redispatchCount + 1;
      extra.previousDepartment = c.departmentId;
      break;
    case 'return':
      // 回退: back to the command centre, which dispatches it again; counted like a redispatch.
      changes.departmentId = null;
      changes.dispatchedAt = null;
      changes.redispatchCount = c.redispatchCount + 1;
      extra.previousDepartment = c.departmentId;
      break;
    case 'extend': {
      if (!validLimit(ctx.extendBy) || ctx.extendBy.value <= 0) return invalid('extendBy', 'extend needs extendBy {value > 0, unit}');
      if (!c.deadline) return invalid('deadline', 'the case has no deadline to extend');
      changes.deadline = extendDeadline(c.deadline, ctx.extendBy, ctx.calendar);
      changes.extendedCount = c.extendedCount + 1;
      extra.extendBy = limitPayload(ctx.extendBy);
      extra.previousDeadline = c.deadline.toISOString();
      break;
    }
    case 'handle':
      changes.handledAt = now;
      if (ctx.photos !== undefined) extra.photos = ctx.photos;
      break;
    case 'verify-pass':
      changes.verifiedAt = now;
      break;
    case 'verify-fail':
      // 返工: the same department handles it again; its earlier handling is void, the dispatch stands.
      changes.handledAt = null;
      changes.reworkCount = c.reworkCount + 1;
      break;
    case 'suspend':
      changes.suspendedAt = now;
      break;
    case 'resume': {
      const since = c.suspendedAt ?? now; // a suspended row always has suspendedAt; be lenient if not
      const pausedSeconds = Math.floor((now.getTime() - since.getTime()) / 1000);
      changes.suspendedAt = null;
      changes.suspendedSeconds = c.suspendedSeconds + pausedSeconds;
      if (c.deadline) {
        // Without a unit (e.g. an imported deadline) the pause is measured in work time, the common case.
        changes.deadline = resumeDeadline(c.deadline, since, now, c.timeLimitUnit ?? 'work_hours', ctx.calendar);
        extra.previousDeadline = c.deadline.toISOString();
      }
      extra.pausedSeconds = pausedSeconds;
      break;
    }
    case 'void':
      if (ctx.duplicateOf !== undefined && (typeof ctx.duplicateOf !== 'string' || ctx.duplicateOf === '' || ctx.duplicateOf === c.id)) {
        return invalid('duplicateOf', 'must be the id of another case');
      }
      changes.voidedAt = now;
      if (ctx.duplicateOf) changes.duplicateOf = ctx.duplicateOf;
      if (ctx.duplicateOf) extra.duplicateOf = ctx.duplicateOf;
      break;
    case 'close': {
      changes.closedAt = now;
      if (c.deadline) {
        const t: Timeliness = closedTimeliness(now, c.deadline);
        extra.timeliness = t;
      }
      break;
    }
  }
  changes.version = c.version + 1;
  changes.updatedAt = now;

  const next = { ...c, ...changes } as T;
  const event: CaseEvent = {
    type: 'case.updated',
    caseId: c.id,
    districtCode: c.districtCode,
    actor: actor.user,
    departmentId: next.departmentId ?? c.departmentId,
    payload: {
      action,
      from: c.status,
      to,
      role: actor.role,
      at: now.toISOString(),
      ...(ctx.note !== undefined ? { note: ctx.note } : {}),
      ...(next.departmentId !== c.departmentId || action === 'dispatch' ? { department: next.departmentId } : {}),
      ...extra,
      version: next.version,
      deadline: iso(next.deadline),
    },
  };
  return { ok: true, next, changes, event };
}

/** A fresh case's workflow fields at intake (status `reported`). */
export function newCaseState(init: { id: string; districtCode: string; reportedAt: Date; timeLimit?: TimeLimit | null; duplicateOf?: string | null }): CaseState {
  return {
    id: init.id,
    districtCode: init.districtCode,
    status: 'reported',
    departmentId: null,
    timeLimitValue: init.timeLimit?.value ?? null,
    timeLimitUnit: init.timeLimit?.unit ?? null,
    reportedAt: init.reportedAt,
    acceptedAt: null,
    registeredAt: null,
    dispatchedAt: null,
    handledAt: null,
    verifiedAt: null,
    closedAt: null,
    voidedAt: null,
    suspendedAt: null,
    suspendedSeconds: 0,
    deadline: null,
    extendedCount: 0,
    reworkCount: 0,
    redispatchCount: 0,
    duplicateOf: init.duplicateOf ?? null,
    version: 1,
  };
}
