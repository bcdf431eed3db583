// Workflow over HTTP: every legal and illegal transition, roles, stale versions, races, department isolation, lights.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { sweepLights } from '../../api/cases/sweeper.ts';
import { computeDeadline, extendDeadline, parseCalendar } from '../../api/domain/calendar.ts';
import { ACTION_ROLES, allowedActionsFor, CASE_ACTIONS, CASE_STATUSES, TRANSITIONS, type CaseAction, type CaseStatus, type Role } from '../../api/domain/workflow.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { caseApp, client, loadMiniCity, TOKENS } from '../helpers/cases.ts';
import { PATH_TO as PATH } from '../helpers/workflow-paths.ts';

const cal = parseCalendar(JSON.parse(fs.readFileSync(new URL('../../geodata/calendar/default.json', import.meta.url), 'utf8')));

/** Actions that bring a fresh case to each status (department d1 = the demo-department token's). */

const ARGS: Partial<Record<CaseAction, Record<string, unknown>>> = {
  dispatch: { department: 'd1' },
  redispatch: { department: 'd2' },
  extend: { extendBy: { value: 1, unit: 'work_days' } },
  handle: { photos: ['after.jpg'], note: '已清理' },
};

const tokenOf = (role: Role) => TOKENS[role as keyof typeof TOKENS];

describe('case workflow over HTTP', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let api: ReturnType<typeof client>;
  let n = 0;

  /** A new case at a fresh spot (so duplicate suggestions stay out of the way), returned as JSON. */
  const newCase = async (minor = '0102') => {
    n++;
    const r = await api.report({ source: 'patrol', kind: 'event', minor, description: `测试案件 ${n}`, lon: 109.452 + (n % 40) * 0.001, lat: 24.252 + Math.floor(n / 40) * 0.002 });
    expect(r.status, r.raw).toBe(201);
    return r.body;
  };
  const act = async (c: { id: string; version: number }, action: CaseAction, extra: Record<string, unknown> = {}, role: Role = ACTION_ROLES[action][0]) =>
    api.act(c.id, { action, expectedVersion: c.version, ...ARGS[action], ...extra }, tokenOf(role));
  const drive = async (status: CaseStatus) => {
    let c = await newCase();
    for (const a of PATH[status]) {
      const r = await act(c, a);
      expect(r.status, `${a}: ${r.raw}`).toBe(200);
      c = r.body;
    }
    expect(c.status).toBe(status);
    return c;
  };
  const eventCount = async (id: string) => Number((await t.db.pool.query('SELECT count(*) FROM case_events WHERE case_id = $1', [id])).rows[0].count);

  beforeAll(async () => {
    t = await createTestDatabase();
    await loadMiniCity(t.db.pool);
    app = await caseApp(t);
    api = client(app);
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('takes every legal transition, appending one event with the actor each time', async () => {
    for (const from of CASE_STATUSES) {
      for (const [action, to] of Object.entries(TRANSITIONS[from]) as [CaseAction, CaseStatus][]) {
        const c = await drive(from);
        const events = await eventCount(c.id);
        const r = await act(c, action);
        expect({ from, action, status: r.status }).toEqual({ from, action, status: 200 });
        expect(r.body).toMatchObject({ id: c.id, status: to, version: c.version + 1, event: { type: 'case.updated', payload: { action, from, to } } });
        expect(await eventCount(c.id)).toBe(events + 1);
        const last = (await t.db.pool.query('SELECT actor, payload FROM case_events WHERE case_id = $1 ORDER BY id DESC LIMIT 1', [c.id])).rows[0];
        expect(last.payload).toMatchObject({ action, from, to, role: ACTION_ROLES[action][0] });
        expect(last.actor).toBeTruthy();
        const detail = await api.get(`/api/cases/${c.id}`, TOKENS.operator);
        expect(detail.body).toMatchObject({ status: to, version: c.version + 1 });
      }
    }
  });

  it('refuses every illegal transition with 409 and the allowed actions, changing nothing', async () => {
    for (const from of CASE_STATUSES) {
      const c = await drive(from);
      const events = await eventCount(c.id);
      for (const action of CASE_ACTIONS.filter((a) => TRANSITIONS[from][a] === undefined)) {
        const role = ACTION_ROLES[action][0];
        const r = await act(c, action, {}, role);
        if (role === 'department' && c.departmentId !== 'd1') {
          expect({ from, action, status: r.status }).toEqual({ from, action, status: 404 }); // not its case: not shown
          continue;
        }
        expect({ from, action, status: r.status, error: r.body.error }).toEqual({ from, action, status: 409, error: 'illegal_transition' });
        expect(r.body.allowedActions).toEqual(allowedActionsFor({ status: from, departmentId: c.departmentId }, { user: 'x', role, department: role === 'department' ? 'd1' : null }));
      }
      const after = await api.get(`/api/cases/${c.id}`, TOKENS.operator);
      expect(after.body.version).toBe(c.version);
      expect(await eventCount(c.id)).toBe(events);
    }
  });

  it('refuses an action of another role with 403, and analysts, managers and displays act on nothing', async () => {
    const c = await newCase();
    const r = await act(c, 'accept', {}, 'collector');
    expect(r).toMatchObject({ status: 403, body: { error: 'forbidden', allowedActions: [] } });
    for (const role of ['analyst', 'manager', 'display'] as const) expect((await act(c, 'accept', {}, role)).status).toBe(403);
    expect((await api.act(c.id, { action: 'accept', expectedVersion: 1 }, null as unknown as string)).status).toBe(401);
    expect(await eventCount(c.id)).toBe(1);
  });

  it('computes and moves the deadline: register, extend, suspend/resume; close records timeliness', async () => {
    let c = await drive('registered');
    expect(c.timeLimit).toEqual({ value: 2, unit: 'work_hours' });
    expect(c.deadline).toBe(computeDeadline(new Date(c.registeredAt), { value: 2, unit: 'work_hours' }, cal).toISOString());
    expect(c.light).toBe('green');
    expect(c.deadlinePreview).toBe(null);
    c = (await act(c, 'dispatch')).body;
    const before = c.deadline;
    c = (await act(c, 'extend')).body;
    expect(c.deadline).toBe(extendDeadline(new Date(before), { value: 1, unit: 'work_days' }, cal).toISOString());
    expect(c.extendedCount).toBe(1);
    expect(c.event.payload).toMatchObject({ previousDeadline: before, extendBy: { value: 1, unit: 'work_days' } });
    c = (await act(c, 'suspend')).body;
    expect(c.suspendedAt).toBeTruthy();
    c = (await act(c, 'resume')).body;
    expect(c.suspendedAt).toBe(null);
    expect(new Date(c.deadline).getTime()).toBeGreaterThanOrEqual(new Date(before).getTime());
    c = (await act(c, 'handle')).body;
    c = (await act(c, 'verify-fail')).body;
    expect(c).toMatchObject({ status: 'dispatched', reworkCount: 1, departmentId: 'd1', handledAt: null });
    c = (await act(c, 'handle')).body;
    c = (await act(c, 'verify-pass')).body;
    c = (await act(c, 'close')).body;
    expect(c).toMatchObject({ status: 'closed', light: null, allowedActions: [] });
    expect(c.event.payload.timeliness).toBe('on_time');
    const history = (await api.get(`/api/cases/${c.id}`, TOKENS.operator)).body.events;
    expect(history.map((e: { type: string; payload: { action?: string } }) => e.payload.action ?? e.type)).toEqual([
      'case.created', 'accept', 'register', 'dispatch', 'extend', 'suspend', 'resume', 'handle', 'verify-fail', 'handle', 'verify-pass', 'close',
    ]);
    expect(history[7].payload.photos).toEqual(['after.jpg']);
  });

  it('checks action arguments with 422 naming the field', async () => {
    const c = await drive('registered');
    expect((await act(c, 'dispatch', { department: undefined })).body).toMatchObject({ error: 'invalid_argument', field: 'department' });
    expect((await act(c, 'dispatch', { department: 'nope' })).body).toMatchObject({ field: 'department' });
    const d = (await act(c, 'dispatch')).body;
    expect((await act(d, 'redispatch', { department: 'd1' })).body.field).toBe('department');
    expect((await act(d, 'extend', { extendBy: { value: 0, unit: 'work_days' } })).body.field).toBe('extendBy.value');
    expect((await act(d, 'extend', { extendBy: { value: 1, unit: 'fortnights' } })).body.field).toBe('extendBy.unit');
    expect((await api.act(d.id, { action: 'teleport', expectedVersion: d.version }, TOKENS.dispatcher)).body.field).toBe('action');
    expect((await api.act(d.id, { action: 'extend' }, TOKENS.dispatcher)).body.field).toBe('expectedVersion');
    const v = await newCase();
    expect((await act(v, 'void', { duplicateOf: '4502032020010100001' })).body).toMatchObject({ error: 'invalid_argument', field: 'duplicateOf' });
    expect((await act(v, 'void', { duplicateOf: v.id })).body.field).toBe('duplicateOf');
    const voided = await act(v, 'void', { duplicateOf: c.id, note: '重复上报' });
    expect(voided.body).toMatchObject({ status: 'voided', duplicateOf: c.id });
    expect(await eventCount(v.id)).toBe(2);
  });

  it('answers a stale expectedVersion with 409 and the current version', async () => {
    const c = await newCase();
    const accepted = (await act(c, 'accept')).body;
    const r = await act(c, 'void'); // still version 1
    expect(r).toMatchObject({ status: 409, body: { error: 'stale_version', currentVersion: accepted.version, field: 'expectedVersion' } });
    expect(await eventCount(c.id)).toBe(2);
  });

  it('lets exactly one of two concurrent actions on one version win', async () => {
    for (const [a, b] of [['accept', 'accept'], ['accept', 'void']] as const) {
      const c = await newCase();
      const results = await Promise.all([act(c, a), act(c, b)]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(results.find((r) => r.status === 409)!.body.error).toBe('stale_version');
      const detail = await api.get(`/api/cases/${c.id}`, TOKENS.operator);
      expect(detail.body.version).toBe(2);
      expect(await eventCount(c.id)).toBe(2);
    }
  });

  it('keeps department staff to their own cases (404 for others), in detail, list and actions', async () => {
    let c = await drive('registered');
    c = (await act(c, 'dispatch', { department: 'd2' })).body;
    expect((await api.get(`/api/cases/${c.id}`, TOKENS.department)).status).toBe(404);
    expect((await act(c, 'handle', {}, 'department')).status).toBe(404);
    const mine = (await api.get('/api/cases?limit=5000', TOKENS.department)).body.features;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((f: { properties: { departmentId: string } }) => f.properties.departmentId === 'd1')).toBe(true);
    expect((await api.get('/api/cases?department=d2', TOKENS.department)).body.features).toEqual([]);
    // the d2 staff see and handle it; the wall display sees it without actions
    const own = await api.get(`/api/cases/${c.id}`, TOKENS.department2);
    expect(own.body).toMatchObject({ departmentId: 'd2', allowedActions: ['handle'] });
    expect((await api.get(`/api/cases/${c.id}`, TOKENS.display)).body.allowedActions).toEqual([]);
    const handled = await api.act(c.id, { action: 'handle', expectedVersion: c.version }, TOKENS.department2);
    expect(handled.body).toMatchObject({ status: 'handled' });
    // returned to the centre, it is nobody's: d2 no longer sees it
    let r = await drive('dispatched');
    r = (await act(r, 'return')).body;
    expect(r.departmentId).toBe(null);
    expect((await api.get(`/api/cases/${r.id}`, TOKENS.department)).status).toBe(404);
  });

  it('sweeps lights: green → yellow → red with one case.light event per change, frozen while suspended', async () => {
    const reg = async () => {
      let c = await newCase('0401'); // 路面塌陷: 2 calendar hours
      for (const a of ['accept', 'register'] as const) c = (await act(c, a)).body;
      return c;
    };
    const c = await reg();
    const s = (await act((await act(await reg(), 'dispatch')).body, 'suspend')).body;
    expect(c).toMatchObject({ light: 'green', timeLimit: { value: 2, unit: 'calendar_hours' } });
    const at = (h: number) => new Date(new Date(c.registeredAt).getTime() + h * 3600_000);
    const lightEvents = async (id: string) => (await t.db.pool.query(`SELECT payload FROM case_events WHERE case_id = $1 AND type = 'case.light' ORDER BY id`, [id])).rows.map((r) => `${r.payload.from}>${r.payload.to}`);
    const sweep = (h: number) => sweepLights(t.db.pool, cal, { yellowAt: 0.8, now: at(h), batch: 7 });

    await sweep(1);
    expect(await lightEvents(c.id)).toEqual([]);
    const r1 = await sweep(1.7);
    expect(r1.events).toBeGreaterThanOrEqual(1);
    expect(await lightEvents(c.id)).toEqual(['green>yellow']);
    await sweep(2.5);
    expect(await lightEvents(c.id)).toEqual(['green>yellow', 'yellow>red']);
    await sweep(3);
    expect(await lightEvents(c.id)).toEqual(['green>yellow', 'yellow>red']);
    const detail = await api.get(`/api/cases/${c.id}`, TOKENS.display);
    expect(detail.body).toMatchObject({ light: 'red', version: c.version }); // lights do not bump the version
    expect((await api.get(`/api/cases?light=red&minor=0401`)).body.features.map((f: { id: string }) => f.id)).toEqual([c.id]);
    expect(await lightEvents(s.id)).toEqual([]); // suspended at once: its clock stands still

    // an action re-lights the case at its own time (the sweeps above ran hours ahead)
    const d = (await act(detail.body, 'dispatch')).body;
    expect(d).toMatchObject({ light: 'green', event: { payload: { light: 'green' } } });
  });

  it('runs the sweeper on a timer started with the app and stopped on close', async () => {
    let c = await newCase('0401');
    for (const a of ['accept', 'register'] as const) c = (await act(c, a)).body;
    await t.db.pool.query(`UPDATE cases SET deadline = now() - interval '1 minute' WHERE id = $1`, [c.id]);
    const swept = await caseApp(t, { lightSweepSeconds: 0.05 });
    await swept.ready();
    const deadline = Date.now() + 10_000;
    let events: string[] = [];
    while (Date.now() < deadline) {
      events = (await t.db.pool.query(`SELECT payload->>'to' AS to FROM case_events WHERE case_id = $1 AND type = 'case.light'`, [c.id])).rows.map((r) => r.to);
      if (events.length) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await swept.close();
    expect(events).toEqual(['red']);
  });
});
