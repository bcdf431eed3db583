import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { atLocal, computeDeadline, formatLocal, parseCalendar, workTimeBetween, type TimeLimit } from '../../api/domain/calendar.ts';
import {
  allowedActions,
  allowedActionsFor,
  applyAction,
  CASE_ACTIONS,
  CASE_STATUSES,
  isOpen,
  newCaseState,
  ROLES,
  canReport,
  type ActionContext,
  type CaseAction,
  type CaseState,
  type CaseStatus,
  type Role,
} from '../../api/domain/workflow.ts';
import { PATH_TO } from '../helpers/workflow-paths.ts';

const H = 3_600_000;
const cal = parseCalendar(JSON.parse(readFileSync(new URL('../../geodata/calendar/default.json', import.meta.url), 'utf8')));
const at = (date: string, time: string) => atLocal(date, time, cal);
const fmt = (d: Date | null) => (d ? formatLocal(d, cal) : null);
const LIMIT: TimeLimit = { value: 10, unit: 'work_hours' };

// The documented machine, written out independently of the implementation's tables.
const SPEC: Record<CaseStatus, Partial<Record<CaseAction, [CaseStatus, Role]>>> = {
  reported: { accept: ['accepted', 'operator'], void: ['voided', 'operator'] },
  accepted: { register: ['registered', 'operator'], void: ['voided', 'operator'] },
  registered: { dispatch: ['dispatched', 'dispatcher'], void: ['voided', 'operator'] },
  dispatched: {
    handle: ['handled', 'department'],
    redispatch: ['dispatched', 'dispatcher'],
    return: ['registered', 'dispatcher'],
    extend: ['dispatched', 'dispatcher'],
    suspend: ['suspended', 'dispatcher'],
  },
  handled: { 'verify-pass': ['verified', 'collector'], 'verify-fail': ['dispatched', 'collector'] },
  verified: { close: ['closed', 'operator'] },
  suspended: { resume: ['dispatched', 'dispatcher'] },
  closed: {},
  voided: {},
};

const actorFor = (role: Role, department: string | null = 'D1') => ({ user: `u-${role}`, role, department: role === 'department' ? department : null });

function ctx(action: CaseAction, role: Role, now: Date, extra: Partial<ActionContext> = {}): ActionContext {
  return {
    now,
    actor: actorFor(role),
    calendar: cal,
    timeLimit: action === 'register' ? LIMIT : undefined,
    department: action === 'dispatch' ? 'D1' : action === 'redispatch' ? 'D2' : undefined,
    extendBy: action === 'extend' ? { value: 1, unit: 'work_days' } : undefined,
    ...extra,
  };
}

/** Walks a fresh case to `status` through legal actions, one hour apart from Mon 2025-03-03 09:00. */
function caseIn(status: CaseStatus): CaseState {
  let c = newCaseState({ id: 'C1', districtCode: '450203', reportedAt: at('2025-03-03', '08:00') });
  let t = at('2025-03-03', '09:00').getTime();
  for (const a of PATH_TO[status]) {
    const role = SPEC[c.status][a]![1];
    const r = applyAction(c, a, ctx(a, role, new Date(t)));
    if (!r.ok) throw new Error(`setup ${a}: ${JSON.stringify(r)}`);
    c = r.next;
    t += H;
  }
  expect(c.status).toBe(status);
  return c;
}

const TIMESTAMP: Partial<Record<CaseAction, keyof CaseState>> = {
  accept: 'acceptedAt',
  register: 'registeredAt',
  dispatch: 'dispatchedAt',
  redispatch: 'dispatchedAt',
  handle: 'handledAt',
  'verify-pass': 'verifiedAt',
  close: 'closedAt',
  void: 'voidedAt',
  suspend: 'suspendedAt',
};

describe('every (status, action, role) triple', () => {
  const triples = CASE_STATUSES.flatMap((s) => CASE_ACTIONS.flatMap((a) => ROLES.map((r) => [s, a, r] as const)));
  it('covers 9 statuses × 13 actions × 7 roles', () => expect(triples.length).toBe(819));

  it.each(triples)('%s · %s · %s', (status, action, role) => {
    const c = caseIn(status);
    const now = new Date(Math.max(...[c.reportedAt, c.acceptedAt, c.registeredAt, c.dispatchedAt, c.handledAt, c.verifiedAt, c.closedAt, c.voidedAt, c.suspendedAt].map((d) => d?.getTime() ?? 0)) + 30 * 60_000);
    const r = applyAction(c, action, ctx(action, role, now));
    const spec = SPEC[status][action];
    const expectedAllowed = CASE_ACTIONS.filter((a) => SPEC[status][a]?.[1] === role);
    expect(allowedActions(status, role)).toEqual(expectedAllowed);
    if (spec && spec[1] === role) {
      if (!r.ok) throw new Error(JSON.stringify(r));
      expect(r.next.status).toBe(spec[0]);
      expect(r.changes.status).toBe(spec[0]);
      expect(r.next.version).toBe(c.version + 1);
      expect(r.next.updatedAt).toEqual(now);
      expect(r.event).toMatchObject({ type: 'case.updated', caseId: 'C1', districtCode: '450203', actor: `u-${role}`, payload: { action, from: status, to: spec[0], role } });
      const ts = TIMESTAMP[action];
      if (ts) expect(r.next[ts]).toEqual(now);
      // nothing outside the workflow fields is touched, and the input is not mutated
      expect(caseIn(status)).toEqual(c);
    } else {
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error).toBe(spec ? 'forbidden' : 'illegal_transition');
      expect(r.allowed).toEqual(expectedAllowed);
    }
  });

  it('unknown actions are illegal transitions listing the allowed ones', () => {
    const r = applyAction(caseIn('dispatched'), 'teleport', ctx('handle', 'dispatcher', at('2025-03-04', '09:00')));
    expect(r).toMatchObject({ ok: false, error: 'illegal_transition', action: 'teleport', allowed: ['redispatch', 'return', 'extend', 'suspend'] });
  });

  it('closed and voided are terminal; display, analyst and manager never act', () => {
    for (const r of ROLES) {
      expect(allowedActions('closed', r)).toEqual([]);
      expect(allowedActions('voided', r)).toEqual([]);
    }
    for (const s of CASE_STATUSES) for (const r of ['display', 'analyst', 'manager'] as const) expect(allowedActions(s, r)).toEqual([]);
    expect(isOpen('closed')).toBe(false);
    expect(isOpen('voided')).toBe(false);
    expect(isOpen('suspended')).toBe(true);
    expect(canReport('collector')).toBe(true);
    expect(canReport('display')).toBe(false);
  });
});

describe('transition details', () => {
  it('register computes the deadline from the time limit on the calendar', () => {
    const c = caseIn('accepted');
    const now = at('2025-01-27', '16:00');
    const r = applyAction({ ...c, acceptedAt: at('2025-01-27', '15:00') , reportedAt: at('2025-01-27', '14:00') }, 'register', ctx('register', 'operator', now, { timeLimit: { value: 4, unit: 'work_hours' } }));
    if (!r.ok) throw new Error(JSON.stringify(r));
    expect(fmt(r.next.deadline)).toBe('2025-02-05 10:30:00'); // over the Spring Festival
    expect(r.next).toMatchObject({ timeLimitValue: 4, timeLimitUnit: 'work_hours', registeredAt: now });
    expect(r.event.payload).toMatchObject({ timeLimit: { value: 4, unit: 'work_hours' }, deadline: r.next.deadline!.toISOString() });
  });

  it('register falls back to the limit stored at intake, and fails naming timeLimit without one', () => {
    const c = { ...caseIn('accepted'), timeLimitValue: 2, timeLimitUnit: 'work_days' as const };
    const r = applyAction(c, 'register', { ...ctx('register', 'operator', at('2025-03-03', '15:00')), timeLimit: undefined });
    expect(r.ok && fmt(r.next.deadline)).toBe('2025-03-05 15:00:00');
    const bad = applyAction(caseIn('accepted'), 'register', { ...ctx('register', 'operator', at('2025-03-03', '15:00')), timeLimit: undefined });
    expect(bad).toMatchObject({ ok: false, error: 'invalid_argument', field: 'timeLimit' });
    const neg = applyAction(caseIn('accepted'), 'register', ctx('register', 'operator', at('2025-03-03', '15:00'), { timeLimit: { value: -1, unit: 'work_hours' } }));
    expect(neg).toMatchObject({ ok: false, error: 'invalid_argument', field: 'timeLimit' });
  });

  it('dispatch needs a department and sets it', () => {
    const c = caseIn('registered');
    const now = at('2025-03-03', '15:00');
    expect(applyAction(c, 'dispatch', { ...ctx('dispatch', 'dispatcher', now), department: undefined })).toMatchObject({ ok: false, error: 'invalid_argument', field: 'department' });
    const r = applyAction(c, 'dispatch', ctx('dispatch', 'dispatcher', now, { department: 'D7', note: '请尽快处置' }));
    expect(r.ok && r.next.departmentId).toBe('D7');
    expect(r.ok && r.event).toMatchObject({ departmentId: 'D7', payload: { department: 'D7', note: '请尽快处置' } });
  });

  it('void records duplicateOf, refuses itself as its duplicate', () => {
    const c = caseIn('reported');
    const now = at('2025-03-03', '09:00');
    const r = applyAction(c, 'void', ctx('void', 'operator', now, { duplicateOf: 'C0' }));
    expect(r.ok && r.next).toMatchObject({ status: 'voided', duplicateOf: 'C0', voidedAt: now });
    expect(r.ok && r.event.payload.duplicateOf).toBe('C0');
    expect(applyAction(c, 'void', ctx('void', 'operator', now, { duplicateOf: 'C1' }))).toMatchObject({ ok: false, field: 'duplicateOf' });
    const plain = applyAction(c, 'void', ctx('void', 'operator', now));
    expect(plain.ok && plain.next.duplicateOf).toBe(null);
  });

  it('close reports on time or overdue against the final deadline', () => {
    const v = caseIn('verified');
    const onTime = applyAction(v, 'close', ctx('close', 'operator', v.deadline!));
    expect(onTime.ok && onTime.event.payload.timeliness).toBe('on_time');
    const late = applyAction(v, 'close', ctx('close', 'operator', new Date(v.deadline!.getTime() + 1000)));
    expect(late.ok && late.event.payload.timeliness).toBe('overdue');
  });

  it('tolerates a reporter clock running ahead of the server', () => {
    const c = caseIn('reported');
    const r = applyAction(c, 'accept', ctx('accept', 'operator', new Date(c.reportedAt.getTime() - 60_000)));
    expect(r.ok).toBe(true);
  });

  it('rejects a transition dated before the last one', () => {
    const c = caseIn('dispatched');
    const r = applyAction(c, 'handle', { ...ctx('handle', 'department', new Date(c.dispatchedAt!.getTime() - 1)) });
    expect(r).toMatchObject({ ok: false, error: 'invalid_argument', field: 'now' });
  });
});

describe('department isolation', () => {
  it('a department handles only its own cases', () => {
    const c = caseIn('dispatched'); // dispatched to D1
    const now = at('2025-03-04', '09:00');
    const own = applyAction(c, 'handle', { ...ctx('handle', 'department', now), actor: { user: 'd1', role: 'department', department: 'D1' } });
    expect(own.ok).toBe(true);
    for (const department of ['D2', null, undefined, '']) {
      const other = applyAction(c, 'handle', { ...ctx('handle', 'department', now), actor: { user: 'x', role: 'department', department } });
      expect(other).toMatchObject({ ok: false, error: 'forbidden', reason: 'not_own_case', allowed: [] });
      expect(allowedActionsFor(c, { user: 'x', role: 'department', department })).toEqual([]);
    }
    expect(allowedActionsFor(c, { user: 'd1', role: 'department', department: 'D1' })).toEqual(['handle']);
    expect(allowedActionsFor(c, { user: 'p', role: 'dispatcher' })).toEqual(['redispatch', 'return', 'extend', 'suspend']);
  });

  it('after a redispatch the old department loses the case and the new one gets it', () => {
    const c = caseIn('dispatched');
    const r = applyAction(c, 'redispatch', ctx('redispatch', 'dispatcher', at('2025-03-04', '09:00'), { department: 'D2' }));
    if (!r.ok) throw new Error();
    expect(allowedActionsFor(r.next, { user: 'a', role: 'department', department: 'D1' })).toEqual([]);
    expect(allowedActionsFor(r.next, { user: 'b', role: 'department', department: 'D2' })).toEqual(['handle']);
  });
});

describe('counters', () => {
  it('rework: verify-fail sends the case back to the same department, counted each time', () => {
    let c = caseIn('dispatched');
    let t = at('2025-03-04', '09:00').getTime();
    for (let k = 1; k <= 3; k++) {
      const h = applyAction(c, 'handle', ctx('handle', 'department', new Date((t += H))));
      if (!h.ok) throw new Error();
      const f = applyAction(h.next, 'verify-fail', ctx('verify-fail', 'collector', new Date((t += H))));
      if (!f.ok) throw new Error();
      c = f.next;
      expect(c).toMatchObject({ status: 'dispatched', departmentId: 'D1', reworkCount: k, handledAt: null });
    }
    expect(c.redispatchCount).toBe(0);
  });

  it('redispatch and return count as 二次派遣; redispatch to the same department is refused', () => {
    const c = caseIn('dispatched');
    const now = at('2025-03-04', '09:00');
    expect(applyAction(c, 'redispatch', ctx('redispatch', 'dispatcher', now, { department: 'D1' }))).toMatchObject({ ok: false, field: 'department' });
    expect(applyAction(c, 'redispatch', ctx('redispatch', 'dispatcher', now, { department: undefined }))).toMatchObject({ ok: false, field: 'department' });
    const r1 = applyAction(c, 'redispatch', ctx('redispatch', 'dispatcher', now, { department: 'D2' }));
    if (!r1.ok) throw new Error();
    expect(r1.next).toMatchObject({ status: 'dispatched', departmentId: 'D2', redispatchCount: 1, dispatchedAt: now });
    expect(r1.event.payload).toMatchObject({ previousDepartment: 'D1', department: 'D2' });
    const r2 = applyAction(r1.next, 'return', ctx('return', 'dispatcher', at('2025-03-04', '10:00')));
    if (!r2.ok) throw new Error();
    expect(r2.next).toMatchObject({ status: 'registered', departmentId: null, dispatchedAt: null, redispatchCount: 2 });
    expect(r2.next.deadline).toEqual(c.deadline); // the clock runs from registration regardless
    const r3 = applyAction(r2.next, 'dispatch', ctx('dispatch', 'dispatcher', at('2025-03-04', '11:00'), { department: 'D3' }));
    expect(r3.ok && r3.next).toMatchObject({ status: 'dispatched', departmentId: 'D3', redispatchCount: 2 });
  });

  it('extend moves the deadline by extendBy and counts', () => {
    const c = caseIn('dispatched'); // registered Mon 10:00, 10 work hours → Tue 14:30
    expect(fmt(c.deadline)).toBe('2025-03-04 14:30:00');
    const now = at('2025-03-03', '16:00');
    const r1 = applyAction(c, 'extend', ctx('extend', 'dispatcher', now, { extendBy: { value: 1, unit: 'work_days' } }));
    if (!r1.ok) throw new Error();
    expect(fmt(r1.next.deadline)).toBe('2025-03-05 14:30:00');
    expect(r1.next.extendedCount).toBe(1);
    expect(r1.event.payload).toMatchObject({ extendBy: { value: 1, unit: 'work_days' }, previousDeadline: c.deadline!.toISOString() });
    const r2 = applyAction(r1.next, 'extend', ctx('extend', 'dispatcher', now, { extendBy: { value: 3, unit: 'work_hours' } }));
    expect(r2.ok && fmt(r2.next.deadline)).toBe('2025-03-05 17:30:00');
    expect(r2.ok && r2.next.extendedCount).toBe(2);
    for (const extendBy of [undefined, { value: 0, unit: 'work_days' as const }, { value: 1, unit: 'fortnights' as never }]) {
      expect(applyAction(c, 'extend', { ...ctx('extend', 'dispatcher', now), extendBy })).toMatchObject({ ok: false, error: 'invalid_argument', field: 'extendBy' });
    }
  });
});

describe('suspend / resume', () => {
  it('pauses the clock: the deadline moves by the paused work time', () => {
    let c = newCaseState({ id: 'C9', districtCode: '450203', reportedAt: at('2025-03-03', '08:00') });
    const step = (a: CaseAction, role: Role, now: Date, extra: Partial<ActionContext> = {}) => {
      const r = applyAction(c, a, ctx(a, role, now, extra));
      if (!r.ok) throw new Error(JSON.stringify(r));
      c = r.next;
      return r;
    };
    step('accept', 'operator', at('2025-03-03', '08:50'));
    step('register', 'operator', at('2025-03-03', '09:00')); // 10 work hours → Tue 11:30
    expect(fmt(c.deadline)).toBe('2025-03-04 11:30:00');
    step('dispatch', 'dispatcher', at('2025-03-03', '09:10'));
    step('suspend', 'dispatcher', at('2025-03-03', '10:00')); // 9 work hours left
    expect(c).toMatchObject({ status: 'suspended', suspendedAt: at('2025-03-03', '10:00') });
    expect(allowedActions('suspended', 'dispatcher')).toEqual(['resume']);
    const r = step('resume', 'dispatcher', at('2025-03-05', '10:00'));
    expect(c).toMatchObject({ status: 'dispatched', suspendedAt: null, suspendedSeconds: 48 * 3600, departmentId: 'D1' });
    expect(fmt(c.deadline)).toBe('2025-03-06 11:30:00');
    expect(r.event.payload).toMatchObject({ pausedSeconds: 48 * 3600, previousDeadline: at('2025-03-04', '11:30').toISOString() });
    step('suspend', 'dispatcher', at('2025-03-06', '09:00'));
    step('resume', 'dispatcher', at('2025-03-06', '09:30'));
    expect(c.suspendedSeconds).toBe(48 * 3600 + 1800);
    expect(fmt(c.deadline)).toBe('2025-03-06 12:00:00');
  });

  it('a case suspended after its deadline stays overdue', () => {
    const c = caseIn('dispatched');
    const s = applyAction(c, 'suspend', ctx('suspend', 'dispatcher', new Date(c.deadline!.getTime() + H)));
    if (!s.ok) throw new Error();
    const r = applyAction(s.next, 'resume', ctx('resume', 'dispatcher', new Date(c.deadline!.getTime() + 50 * H)));
    expect(r.ok && r.next.deadline).toEqual(c.deadline);
  });
});

describe('random walks through the machine', () => {
  const step = fc.record({
    action: fc.constantFrom(...CASE_ACTIONS, 'bogus'),
    role: fc.constantFrom(...ROLES),
    dept: fc.constantFrom('D1', 'D2', 'D3'),
    minutes: fc.integer({ min: 0, max: 60 * 24 * 4 }),
    legal: fc.option(fc.nat(), { freq: 6 }), // 5 times in 6 a legal (action, role) pair, so walks get deep
    ownDept: fc.boolean(),
    extendBy: fc.oneof(
      fc.integer({ min: 1, max: 16 }).map((v) => ({ value: v, unit: 'work_hours' as const })),
      fc.integer({ min: 1, max: 3 }).map((v) => ({ value: v, unit: 'work_days' as const })),
    ),
  });

  it('keeps its invariants: one event per accepted action, counters only grow, full limit of unpaused work time', () => {
    const reached = new Set<string>();
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 365 * 24 * 60 }),
        fc.oneof(fc.integer({ min: 1, max: 60 }).map((v) => ({ value: v, unit: 'work_hours' as const })), fc.integer({ min: 1, max: 10 }).map((v) => ({ value: v, unit: 'work_days' as const }))),
        fc.array(step, { minLength: 1, maxLength: 40 }),
        (startMin, limit, steps) => {
          let c = newCaseState({ id: 'R1', districtCode: '450203', reportedAt: new Date(at('2025-01-01', '00:00').getTime() + startMin * 60_000) });
          let t = c.reportedAt.getTime();
          let expectedWork = 0; // work ms the deadline must stand from registration
          let events = 0;
          for (const s of steps) {
            t += s.minutes * 60_000;
            const now = new Date(t);
            const pairs = ROLES.flatMap((role) => allowedActions(c.status, role).map((a) => [a, role] as const));
            const [action, role] = s.legal !== null && pairs.length > 0 ? pairs[s.legal % pairs.length] : [s.action, s.role];
            const department = role === 'department' && s.ownDept ? c.departmentId : s.dept;
            const r = applyAction(c, action, {
              now,
              actor: { user: 'u', role, department },
              calendar: cal,
              timeLimit: limit,
              department: s.dept,
              extendBy: s.extendBy,
            });
            if (!r.ok) {
              expect(r.allowed).toEqual(allowedActionsFor(c, { user: 'u', role, department }));
              continue;
            }
            reached.add(`${c.status}:${action}`);
            events++;
            const p = c;
            c = r.next;
            expect(r.event.payload).toMatchObject({ action, from: p.status, to: c.status });
            expect(c.version).toBe(p.version + 1);
            expect(c.reworkCount).toBeGreaterThanOrEqual(p.reworkCount);
            expect(c.redispatchCount).toBeGreaterThanOrEqual(p.redispatchCount);
            expect(c.extendedCount).toBeGreaterThanOrEqual(p.extendedCount);
            expect(c.suspendedSeconds).toBeGreaterThanOrEqual(p.suspendedSeconds);
            expect(isOpen(p.status)).toBe(true);
            if (action === 'register') expectedWork = workTimeBetween(now, computeDeadline(now, limit, cal), cal);
            if (action === 'extend') expectedWork += workTimeBetween(p.deadline!, c.deadline!, cal);
            if (action === 'resume' && p.suspendedAt!.getTime() < p.deadline!.getTime()) expectedWork += workTimeBetween(p.suspendedAt!, now, cal);
            // invariants of every state
            expect(c.status === 'suspended').toBe(c.suspendedAt !== null);
            if (['dispatched', 'handled', 'verified', 'suspended', 'closed'].includes(c.status)) expect(c.departmentId).not.toBe(null);
            if (c.registeredAt) expect(workTimeBetween(c.registeredAt, c.deadline!, cal)).toBe(expectedWork);
          }
          expect(c.version).toBe(1 + events);
        },
      ),
      { numRuns: 500 },
    );
    // every legal (status, action) edge was exercised
    const edges = CASE_STATUSES.flatMap((st) => CASE_ACTIONS.filter((a) => SPEC[st][a]).map((a) => `${st}:${a}`));
    expect(edges.filter((e) => !reached.has(e))).toEqual([]);
  });
});
