import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { buildApp } from '../../api/app.ts';
import { connect, type Database } from '../../api/db/connect.ts';
import type { Config } from '../../api/config.ts';
import type { LiveConfig } from '../../api/live/config.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';
import { loadMiniCity } from '../helpers/cases.ts';

/**
 * The live stream over real HTTP (streaming responses do not fit `inject`), against a real PostGIS when
 * TEST_DATABASE_URL is set and always against the embedded PGlite. Events are inserted into case_events
 * with SQL, as the workflow API does inside its transactions.
 */

const TOKENS = JSON.stringify([
  { token: 'wall-display-1', user: '大屏', role: 'display' },
  { token: 'dept-token-d1', user: '甲', role: 'department', department: 'D1' },
  { token: 'dept-token-d2', user: '乙', role: 'department', department: 'D2' },
  { token: 'collector-token', user: '监督员', role: 'collector' },
  { token: 'operator-token', user: '受理员', role: 'operator' },
  { token: 'dispatcher-token', user: '派遣员', role: 'dispatcher' },
  { token: 'dept-token-mini-d1', user: '市政', role: 'department', department: 'd1' },
]);
const WALL = { authorization: 'Bearer wall-display-1' };

interface Message {
  id?: string;
  event: string;
  data: any;
}

/** An SSE client reading a fetch body: parses messages, comments and the retry hint as they arrive. */
interface Stream {
  status: number;
  headers: Headers;
  messages: Message[];
  comments: string[];
  retry?: number;
  ended: boolean;
  until(pred: () => boolean, ms?: number): Promise<void>;
  close(): void;
}

async function openStream(base: string, path: string, headers: Record<string, string> = {}): Promise<Stream> {
  const ctl = new AbortController();
  const res = await fetch(base + path, { headers, signal: ctl.signal });
  const s: Stream = {
    status: res.status,
    headers: res.headers,
    messages: [],
    comments: [],
    ended: false,
    until: (pred, ms = 5_000) => until(() => pred(), ms, () => `stream state: ${s.messages.length} messages, ${s.comments.length} comments, ended ${s.ended}`),
    close: () => ctl.abort(),
  };
  if (res.status !== 200 || !res.body) {
    s.ended = true;
    (s as any).json = await res.json().catch(() => null);
    return s;
  }
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let cur: Partial<Message> & { data?: string } = {};
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === '') {
            if (cur.data !== undefined) s.messages.push({ id: cur.id, event: cur.event ?? 'message', data: JSON.parse(cur.data) });
            cur = {};
          } else if (line.startsWith(':')) s.comments.push(line.slice(1).trim());
          else {
            const i = line.indexOf(':');
            const [k, v] = [line.slice(0, i), line.slice(i + 1).replace(/^ /, '')];
            if (k === 'id') cur.id = v;
            else if (k === 'event') cur.event = v;
            else if (k === 'data') cur.data = (cur.data === undefined ? '' : cur.data + '\n') + v;
            else if (k === 'retry') s.retry = Number(v);
          }
        }
      }
    } catch {
      // aborted by close()
    }
    s.ended = true;
  })();
  await s.until(() => s.comments.some((c) => c.startsWith('citylens live')) || s.ended);
  return s;
}

async function until(pred: () => boolean, ms: number, why: () => string = () => ''): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms; ${why()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ev {
  district?: string;
  department?: string | null;
  type?: string;
  caseId?: string;
  payload?: object;
}

/** Inserts events in one statement, as one transaction; returns their ids. */
async function insertEvents(q: pg.Pool | pg.ClientBase, evs: Ev[]): Promise<number[]> {
  const { rows } = await q.query<{ id: number }>(
    `INSERT INTO case_events (district_code, department_id, type, case_id, actor, payload)
     SELECT d, dep, t, c, 'tester', p::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) x(d, dep, t, c, p)
     RETURNING id`,
    [
      evs.map((e) => e.district ?? '450102'),
      evs.map((e) => (e.department === undefined ? 'D1' : e.department)),
      evs.map((e) => e.type ?? 'case.updated'),
      evs.map((e, i) => e.caseId ?? `C${i}`),
      evs.map((e) => JSON.stringify(e.payload ?? {})),
    ],
  );
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

const many = (n: number, ev: Ev = {}): Ev[] => Array.from({ length: n }, (_, i) => ({ caseId: `C${i}`, ...ev }));

async function start(db: Database, config: Config, live: Partial<LiveConfig> = {}): Promise<{ app: FastifyInstance; base: string }> {
  const cfg = { ...config, demoTokens: false, apiTokens: TOKENS, cases: { lightSweepSeconds: 0 }, live };
  const app = await buildApp({ db, config: cfg as Config });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  return { app, base: `http://127.0.0.1:${port}` };
}

const ids = (s: Stream) => s.messages.map((m) => m.data.id as number);

const kinds = [...(serverUrl ? (['postgis'] as const) : []), 'embedded'] as const;

describe.each(kinds)('live event stream (%s)', (kind) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let base: string;
  const open: Stream[] = [];
  const stream = async (path: string, headers: Record<string, string> = WALL, at = base) => {
    const s = await openStream(at, path, headers);
    open.push(s);
    return s;
  };

  beforeAll(async () => {
    t = await createTestDatabase({ embedded: kind === 'embedded' });
    ({ app, base } = await start(t.db, t.config));
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await app?.close();
    await t?.drop();
  });

  it('streams committed case_events rows with SSE headers, ids, types and JSON data', async () => {
    const s = await stream('/api/events');
    expect(s.status).toBe(200);
    expect(s.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(s.headers.get('cache-control')).toContain('no-cache');
    expect(s.headers.get('x-accel-buffering')).toBe('no');
    expect(s.retry).toBe(3000);
    const batch = await insertEvents(t.db.pool, [
      { type: 'case.created', caseId: 'A1', payload: { minor: '0501', 描述: '占道经营' } },
      { type: 'zone.violation', caseId: 'A1', department: null },
    ]);
    const single = await insertEvents(t.db.pool, [{ type: 'case.light', caseId: 'A2', payload: { light: 'red' } }]);
    await s.until(() => s.messages.length === 3);
    expect(ids(s)).toEqual([...batch, ...single]);
    const [m] = s.messages;
    expect(m.id).toBe(String(batch[0]));
    expect(m.event).toBe('case.created');
    expect(m.data).toMatchObject({ id: batch[0], type: 'case.created', caseId: 'A1', districtCode: '450102', departmentId: 'D1', actor: 'tester', payload: { minor: '0501', 描述: '占道经营' } });
    expect(new Date(m.data.createdAt).toISOString()).toBe(m.data.createdAt);
    expect(s.messages[1]).toMatchObject({ event: 'zone.violation', data: { departmentId: null } });
    expect(s.messages[2].event).toBe('case.light');
  });

  it('sends a transaction’s events when it commits, and never those of a rolled-back one', async () => {
    const s = await stream('/api/events');
    const c = await t.db.pool.connect();
    try {
      await c.query('BEGIN');
      await insertEvents(c, [{ caseId: 'rolled-back' }]);
      await c.query('ROLLBACK');
      await c.query('BEGIN');
      const [id] = await insertEvents(c, [{ caseId: 'T1' }]);
      await sleep(150);
      expect(s.messages).toEqual([]);
      await c.query('COMMIT');
      c.release(); // embedded: the hub reads through the same single connection
      await s.until(() => s.messages.length === 1);
      expect(s.messages[0].data).toMatchObject({ id, caseId: 'T1' });
    } catch (err) {
      c.release();
      throw err;
    }
  });

  it('replays everything after Last-Event-ID (header or ?lastEventId=), then goes on live', async () => {
    const inserted = await insertEvents(t.db.pool, many(7));
    const fromHeader = await stream('/api/events', { ...WALL, 'last-event-id': String(inserted[1]) });
    const fromQuery = await stream(`/api/events?lastEventId=${inserted[4]}`);
    await fromHeader.until(() => fromHeader.messages.length === 5);
    await fromQuery.until(() => fromQuery.messages.length === 2);
    expect(ids(fromHeader)).toEqual(inserted.slice(2));
    expect(ids(fromQuery)).toEqual(inserted.slice(5));
    const live = await insertEvents(t.db.pool, many(2));
    await fromHeader.until(() => fromHeader.messages.length === 7);
    await fromQuery.until(() => fromQuery.messages.length === 4);
    expect(ids(fromHeader)).toEqual([...inserted.slice(2), ...live]);
    expect(ids(fromQuery)).toEqual([...inserted.slice(5), ...live]);
    // a long backlog comes in pages, in order, without gaps
    const backlog = await insertEvents(t.db.pool, many(1_234));
    const s = await stream('/api/events', { ...WALL, 'last-event-id': String(live[1]) });
    await s.until(() => s.messages.length === backlog.length);
    expect(ids(s)).toEqual(backlog);
  });

  it('filters: department staff get only their department, display gets all; district and types filters', async () => {
    const d1 = await stream('/api/events', { authorization: 'Bearer dept-token-d1' });
    const d2viaQuery = await stream('/api/events?token=dept-token-d2', {});
    const all = await stream('/api/events?token=wall-display-1', {});
    const lights = await stream('/api/events?types=case.light,zone.violation&district=450103');
    const d2only = await stream('/api/events?department=D2');
    const evs = await insertEvents(t.db.pool, [
      { department: 'D1', type: 'case.updated' },
      { department: 'D2', type: 'case.light', district: '450103' },
      { department: null, type: 'case.created', district: '450103' },
      { department: 'D1', type: 'case.light', district: '450102' },
      { department: 'D2', type: 'zone.violation', district: '450103' },
    ]);
    await all.until(() => all.messages.length === 5);
    await sleep(100);
    expect(ids(all)).toEqual(evs);
    expect(ids(d1)).toEqual([evs[0], evs[3]]);
    expect(ids(d2viaQuery)).toEqual([evs[1], evs[4]]);
    expect(ids(lights)).toEqual([evs[1], evs[4]]);
    expect(ids(d2only)).toEqual([evs[1], evs[4]]);
    // replays are filtered the same way
    const replay = await stream('/api/events', { authorization: 'Bearer dept-token-d1', 'last-event-id': String(evs[0] - 1) });
    await replay.until(() => replay.messages.length === 2);
    expect(ids(replay)).toEqual([evs[0], evs[3]]);
    // department staff may not ask for another department
    const other = await stream('/api/events?department=D2', { authorization: 'Bearer dept-token-d1' });
    expect(other.status).toBe(403);
  });

  it('needs a token (header or ?token=) and a numeric Last-Event-ID', async () => {
    expect((await stream('/api/events', {})).status).toBe(401);
    expect((await stream('/api/events?token=nope-nope', {})).status).toBe(401);
    expect((await stream('/api/events', { authorization: 'Bearer nope-nope' })).status).toBe(401);
    expect((await stream('/api/events', { ...WALL, 'last-event-id': 'abc' })).status).toBe(400);
    expect((await stream('/api/events?lastEventId=-3')).status).toBe(400);
    const status = await fetch(`${base}/api/events/status`, { headers: WALL });
    expect(await status.json()).toMatchObject({ listening: true, wake: kind === 'embedded' ? 'pooled-listen' : 'listen' });
  });

  it('sends heartbeat comments', async () => {
    const other = await start(t.db, t.config, { heartbeatMs: 100 });
    try {
      const s = await stream('/api/events', WALL, other.base);
      await s.until(() => s.comments.filter((c) => c === 'ping').length >= 3, 2_000);
    } finally {
      await other.app.close();
    }
  });

  it('replays what was missed across an API restart, and close() ends open streams at once', async () => {
    const a = await start(t.db, t.config);
    const before = await stream('/api/events', WALL, a.base);
    const replaying = await stream('/api/events', { ...WALL, 'last-event-id': '0' }, a.base); // a long replay in flight
    const [seen] = await insertEvents(t.db.pool, many(1));
    await before.until(() => before.messages.length === 1);
    const t0 = Date.now();
    await a.app.close();
    expect(Date.now() - t0).toBeLessThan(2_000);
    await before.until(() => before.ended);
    await replaying.until(() => replaying.ended);

    const missed = await insertEvents(t.db.pool, many(4)); // while no API runs
    let db = t.db;
    if (kind === 'postgis') db = await connect({ databaseUrl: t.config.databaseUrl, dataDir: '' }); // a new process: its own pool
    const b = await start(db, t.config);
    try {
      const after = await stream('/api/events', { ...WALL, 'last-event-id': String(seen) }, b.base);
      await after.until(() => after.messages.length === 4);
      expect(ids(after)).toEqual(missed);
      const [next] = await insertEvents(t.db.pool, many(1));
      await after.until(() => after.messages.length === 5);
      expect(ids(after)[4]).toBe(next);
    } finally {
      await b.app.close();
      if (db !== t.db) await db.close();
    }
  });

  it('drops a client that does not read, which then catches up with Last-Event-ID', async () => {
    const small = await start(t.db, t.config, { clientBufferBytes: 65_536 });
    try {
      // a raw HTTP client that stops reading
      const req = http.get(`${small.base}/api/events`, { headers: WALL });
      const res = await new Promise<http.IncomingMessage>((r) => req.once('response', r));
      let text = '';
      res.setEncoding('utf8');
      res.on('error', () => undefined); // the server cuts it off
      await new Promise<void>((r) => res.once('data', (d) => ((text += d), r())));
      res.pause();
      const big = { note: 'x'.repeat(2_000) };
      const inserted: number[] = [];
      for (let i = 0; i < 8 && !(await statusOf(small.base)).dropped; i++) inserted.push(...(await insertEvents(t.db.pool, many(2_000, { payload: big }))));
      await untilAsync(async () => (await statusOf(small.base)).dropped >= 1, 10_000);
      // read what arrived before the drop, then resume from the last complete message
      res.on('data', (d) => (text += d));
      res.resume();
      await new Promise<void>((r) => (res.destroyed ? r() : res.once('close', () => r())));
      const complete = text.split('\n\n').slice(0, -1);
      const got = complete.flatMap((b) => /^id: (\d+)$/m.exec(b)?.[1] ?? []).map(Number);
      expect(got.length).toBeLessThan(inserted.length);
      const lastFull = got.length ? got[got.length - 1] : inserted[0] - 1;
      const resumed = await stream('/api/events', { ...WALL, 'last-event-id': String(lastFull) }, small.base);
      expect([resumed.status, (resumed as any).json]).toEqual([200, undefined]);
      const rest = inserted.filter((id) => id > lastFull);
      await resumed.until(() => resumed.messages.length >= rest.length, 20_000);
      expect(ids(resumed).slice(0, rest.length)).toEqual(rest);
    } finally {
      await small.app.close();
    }
  });

  it.runIf(kind === 'postgis')('serves the stream from a second API process on the same database (LISTEN/NOTIFY)', async () => {
    const db2 = await connect({ databaseUrl: t.config.databaseUrl, dataDir: '' });
    const second = await start(db2, t.config);
    const writer = new pg.Client({ connectionString: t.config.databaseUrl });
    await writer.connect();
    try {
      const s1 = await stream('/api/events');
      const s2 = await stream('/api/events', WALL, second.base);
      const evs = [...(await insertEvents(writer, many(3))), ...(await insertEvents(t.db.pool, many(2)))];
      await s1.until(() => s1.messages.length === 5);
      await s2.until(() => s2.messages.length === 5);
      expect(ids(s1)).toEqual(evs);
      expect(ids(s2)).toEqual(evs);
    } finally {
      await writer.end();
      await second.app.close();
      await db2.close();
    }
  });

  it.runIf(kind === 'postgis')('keeps id order when writers commit out of order, and delivers a transaction left open late', async () => {
    const c1 = await t.db.pool.connect();
    const other = new pg.Client({ connectionString: serverUrl });
    await other.connect();
    const patient = await start(t.db, t.config, { gapWaitMs: 10_000 });
    const hasty = await start(t.db, t.config, { gapWaitMs: 100 });
    try {
      const p = await stream('/api/events', WALL, patient.base);
      const h = await stream('/api/events', WALL, hasty.base);
      // commit order: second, then first — the stream still sends first, second
      await c1.query('BEGIN');
      const [first] = await insertEvents(c1, [{ caseId: 'slow' }]);
      const [second] = await insertEvents(t.db.pool, [{ caseId: 'fast' }]);
      expect(second).toBeGreaterThan(first);
      await sleep(400);
      expect(ids(p)).toEqual([]);
      expect(ids(h)).toEqual([second]); // waited 100 ms, then went on
      await c1.query('COMMIT');
      await p.until(() => p.messages.length === 2);
      await h.until(() => h.messages.length === 2);
      expect(ids(p)).toEqual([first, second]);
      expect(p.messages.map((m) => m.id)).toEqual([String(first), String(second)]);
      expect(ids(h)).toEqual([second, first]);
      expect(h.messages[1].id).toBeUndefined(); // late: the browser's resume point stays at `second`
      // a rolled-back writer only holds the stream until it ends, and a transaction of another database on
      // the same server (it cannot write our case_events) is not waited for
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()');
      await c1.query('BEGIN');
      await insertEvents(c1, [{ caseId: 'doomed' }]);
      const [third] = await insertEvents(t.db.pool, [{ caseId: 'third' }]);
      await sleep(100);
      const t0 = Date.now();
      await c1.query('ROLLBACK');
      await p.until(() => p.messages.length === 3);
      expect(Date.now() - t0).toBeLessThan(1_000);
      expect(ids(p)[2]).toBe(third);
    } finally {
      await other.end();
      c1.release();
      await patient.app.close();
      await hasty.app.close();
    }
  });

  it('streams the events the cases API writes, in their transactions, to the departments concerned', async () => {
    await loadMiniCity(t.db.pool);
    const wall = await stream('/api/events');
    const dept = await stream('/api/events', { authorization: 'Bearer dept-token-mini-d1' });
    const call = async (url: string, token: string, body: object) => {
      const res = await fetch(base + url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return res.json();
    };
    // in the prohibited zone of the mini city: intake writes case.created and zone.violation
    const c = await call('/api/cases', 'collector-token', { source: 'patrol', kind: 'event', minor: '0501', description: '无照游商占道经营', lon: 109.4725, lat: 24.2751 });
    let v = c.version;
    for (const [action, token, extra] of [['accept', 'operator-token', {}], ['register', 'operator-token', {}], ['dispatch', 'dispatcher-token', { department: 'd1' }]] as const) {
      v = (await call(`/api/cases/${c.id}/actions`, token, { action, expectedVersion: v, ...extra })).version;
    }
    const rows = (await t.db.pool.query<{ id: number; type: string; department_id: string | null }>('SELECT id, type, department_id FROM case_events WHERE case_id = $1 ORDER BY id', [c.id])).rows;
    expect(rows.slice(0, 2).map((r) => r.type)).toEqual(['case.created', 'zone.violation']);
    await wall.until(() => wall.messages.length === rows.length);
    expect(wall.messages.map((m) => [m.data.id, m.event, m.data.caseId])).toEqual(rows.map((r) => [Number(r.id), r.type, c.id]));
    const forD1 = rows.filter((r) => r.department_id === 'd1').map((r) => Number(r.id));
    expect(forD1.length).toBeGreaterThan(0); // the dispatch, at least
    await dept.until(() => dept.messages.length === forD1.length);
    await sleep(100);
    expect(ids(dept)).toEqual(forD1);
  });

  async function statusOf(at: string): Promise<{ dropped: number; clients: number }> {
    return (await fetch(`${at}/api/events/status`, { headers: WALL })).json();
  }
  async function untilAsync(pred: () => Promise<boolean>, ms: number) {
    const t0 = Date.now();
    while (!(await pred())) {
      if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms`);
      await sleep(20);
    }
  }
});
