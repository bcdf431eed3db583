// Repeat groups live at intake, through the HTTP API on the mini city (embedded PGlite, and the real PostGIS with
// TEST_DATABASE_URL): the 201 body and the stored idempotent response carry the group, reaching the threshold marks
// every member and emits one repeat.detected, voids recompute the partition, out-of-order and concurrent intake end
// where the batch computation does, and per-minor duplicate distances (0 = off) steer the 重复上报 suggestions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { PLANNED_SQL } from '../../api/cases/intake-sql.ts';
import { decodeFeed, FLAG_REPEAT, caseId as feedCaseId } from '../../api/cases-feed/format.ts';
import type { RepeatsConfig } from '../../api/domain/repeats.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';
import { client, loadMiniCity, TOKENS } from '../helpers/cases.ts';
import { M_LAT, M_LON } from '../helpers/plant.ts';
import { seededRandom } from '../helpers/random.ts';

const MAIN = { lon: 109.455, lat: 24.275 }; // on 阳和大道 (main road r1): threshold 2
const ALLEY = { lon: 109.455, lat: 24.29 }; // far from both roads: threshold 4
const east = (p: { lon: number; lat: number }, m: number, n = 0) => ({ lon: p.lon + m * M_LON, lat: p.lat + n * M_LAT });
/** Local (UTC+8) time in 2026 as ISO. */
const at = (month: number, day: number, h: number, min = 0) => new Date(Date.UTC(2026, month - 1, day, h - 8, min)).toISOString();
const report = (p: { lon: number; lat: number }, reportedAt: string, extra: Record<string, unknown> = {}) => ({
  source: 'patrol', kind: 'event', minor: '0102', description: '暴露垃圾', ...p, reportedAt, ...extra,
});

describe.each([
  ['embedded PGlite', true] as const,
  ...(serverUrl ? [['PostgreSQL server', false] as const] : []),
])('repeat groups at intake on %s', (_name, embedded) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let api: ReturnType<typeof client>;
  const make = (repeats: Partial<RepeatsConfig> = {}, cases: Record<string, unknown> = {}) =>
    buildApp({ db: t.db, config: { ...t.config, demoTokens: true, cases: { lightSweepSeconds: 0, ...cases }, repeats } as typeof t.config });
  beforeAll(async () => {
    t = await createTestDatabase({ embedded });
    await loadMiniCity(t.db.pool);
    app = await make();
    api = client(app);
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  const post = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
    const r = await api.report(body, TOKENS.collector, headers);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r;
  };
  const events = async (caseIds: string[]) =>
    (await t.db.pool.query(`SELECT id, case_id, type, payload FROM case_events WHERE case_id = ANY($1) ORDER BY id`, [caseIds])).rows;
  const detectedFor = async (groupId: string) =>
    (await t.db.pool.query(`SELECT case_id, payload FROM case_events WHERE type = 'repeat.detected' AND payload->>'groupId' = $1 ORDER BY id`, [groupId])).rows;

  /** Stored groups (repeat_groups + cases.repeat_group_id / is_repeat) equal the batch endpoint's, member for member. */
  async function expectStoredEqualsBatch(month: number) {
    const from = `2026-${String(month).padStart(2, '0')}-01`;
    const to = month === 12 ? '2027-01-01' : `2026-${String(month + 1).padStart(2, '0')}-01`;
    const res = await app.inject({ url: `/api/analysis/repeats?from=${from}&to=${to}&minSize=1`, headers: { authorization: `Bearer ${TOKENS.analyst}` } });
    expect(res.statusCode).toBe(200);
    const { rows } = await t.db.pool.query(
      `SELECT g.id, g.size, g.threshold, g.size >= g.threshold AS reached,
              (SELECT array_agg(c.id ORDER BY c.reported_at, c.id) FROM cases c WHERE c.district_code = g.district_code AND c.repeat_group_id = g.id) AS members,
              (SELECT bool_and(c.is_repeat = (g.size >= g.threshold)) FROM cases c WHERE c.district_code = g.district_code AND c.repeat_group_id = g.id) AS flags
         FROM repeat_groups g WHERE g.period_start = $1`,
      [new Date(`${from}T00:00:00+08:00`)],
    );
    const stored = Object.fromEntries(rows.map((r) => [r.id, { size: r.size, threshold: r.threshold, reached: r.reached, members: r.members }]));
    const batch = Object.fromEntries(res.json().features.map((f: any) => [f.id, { size: f.properties.size, threshold: f.properties.threshold, reached: f.properties.reached, members: f.properties.members }]));
    expect(stored).toEqual(batch);
    for (const r of rows) expect(r.flags, r.id).toBe(true);
    // no case of the month is a repeat outside a reached group
    const stray = await t.db.pool.query(
      `SELECT id FROM cases c WHERE reported_at >= $1 AND reported_at < $2 AND is_repeat
          AND NOT EXISTS (SELECT 1 FROM repeat_groups g WHERE g.district_code = c.district_code AND g.id = c.repeat_group_id AND g.size >= g.threshold)`,
      [new Date(`${from}T00:00:00+08:00`), new Date(`${to}T00:00:00+08:00`)],
    );
    expect(stray.rows).toEqual([]);
    return batch;
  }

  it('answers each report with its group; the report that reaches the threshold marks every member and alerts once', async () => {
    const ids: string[] = [];
    const groups = [];
    for (let i = 0; i < 4; i++) {
      const r = await post(report(east(ALLEY, i * 5), at(4, 2, 9 + i)));
      ids.push(r.body.id);
      groups.push([r.body.repeatGroup, r.body.isRepeat]);
    }
    expect(groups).toEqual([
      [{ id: ids[0], size: 1, threshold: 4, reached: false }, false],
      [{ id: ids[0], size: 2, threshold: 4, reached: false }, false],
      [{ id: ids[0], size: 3, threshold: 4, reached: false }, false],
      [{ id: ids[0], size: 4, threshold: 4, reached: true }, true],
    ]);
    // every member is a repeat case now, in the detail and in the list
    for (const id of ids) {
      const d = await api.get(`/api/cases/${id}`, TOKENS.operator);
      expect(d.body, id).toMatchObject({ isRepeat: true, repeatGroup: { id: ids[0], size: 4, threshold: 4, reached: true } });
    }
    const list = await api.get('/api/cases?repeat=true&from=2026-04-01T00:00:00%2B08:00&to=2026-05-01T00:00:00%2B08:00');
    expect(list.body.features.map((f: any) => f.id).sort()).toEqual([...ids].sort());
    expect(list.body.features[0].properties).toMatchObject({ isRepeat: true, repeatGroup: { id: ids[0], reached: true } });
    const others = await api.get('/api/cases?repeat=false&from=2026-04-01T00:00:00%2B08:00&to=2026-05-01T00:00:00%2B08:00');
    expect(others.body.features.filter((f: any) => ids.includes(f.id))).toEqual([]);

    // one alert, from the fourth report, after its own events; its created event already says it is a repeat
    const ev = await events([ids[3]]);
    expect(ev.map((e) => e.type)).toEqual(['case.created', 'case.duplicate-suggested', 'repeat.detected']);
    expect(ev[0].payload).toMatchObject({ isRepeat: true, repeatGroup: { id: ids[0], size: 4, reached: true } });
    expect(ev[2].payload).toMatchObject({ groupId: ids[0], minor: '0102', roadClass: 'alley', threshold: 4, size: 4, members: ids });
    expect((await events([ids[0]]))[0].payload).toMatchObject({ isRepeat: false, repeatGroup: { id: ids[0], size: 1 } });

    // a fifth joins the reached group: a repeat at once, no second alert
    const fifth = await post(report(east(ALLEY, 8, 8), at(4, 3, 9)));
    expect(fifth.body).toMatchObject({ isRepeat: true, repeatGroup: { id: ids[0], size: 5, reached: true } });
    expect((await events([fifth.body.id]))[0].payload.isRepeat).toBe(true);
    expect(await detectedFor(ids[0])).toHaveLength(1);

    // excluded categories have no group: 非法小广告 and components, however many
    for (const extra of [{ minor: '0201', description: '小广告' }, { kind: 'component', minor: '0101', description: '井盖破损' }]) {
      for (let i = 0; i < 3; i++) {
        const r = await post(report(MAIN, at(4, 4, 9 + i), extra));
        expect(r.body).toMatchObject({ repeatGroup: null, isRepeat: false });
      }
    }
    await expectStoredEqualsBatch(4);
  });

  it('replays an Idempotency-Key with the group as first answered, byte for byte', async () => {
    const first = await post(report(east(MAIN, 300), at(5, 6, 9)), { 'idempotency-key': 'rep-1' });
    expect(first.body.repeatGroup).toEqual({ id: first.body.id, size: 1, threshold: 2, reached: false });
    const second = await post(report(east(MAIN, 310), at(5, 6, 10)));
    expect(second.body.repeatGroup).toEqual({ id: first.body.id, size: 2, threshold: 2, reached: true });
    const again = await api.report(report(east(MAIN, 300), at(5, 6, 9)), TOKENS.collector, { 'idempotency-key': 'rep-1' });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.raw).toBe(first.raw);
    expect(again.body.repeatGroup).toEqual({ id: first.body.id, size: 1, threshold: 2, reached: false });
    // the stored response is the one sent
    const { rows } = await t.db.pool.query(`SELECT body::text AS body FROM idempotency_keys WHERE key = 'rep-1'`);
    expect(rows[0].body).toBe(first.raw);
    // and the case itself is a repeat now
    expect((await api.get(`/api/cases/${first.body.id}`)).body).toMatchObject({ isRepeat: true, repeatGroup: { size: 2 } });
    await expectStoredEqualsBatch(5);
  });

  it('a void (作废) recomputes the partition: groups re-form as the batch has them, a new group at its threshold alerts', async () => {
    // A; B 30 m east joins A (main road: both repeats); C 60 m east of A anchors its own group
    const a = (await post(report(east(MAIN, 600), at(6, 1, 9)))).body;
    const b = (await post(report(east(MAIN, 630), at(6, 1, 10)))).body;
    const c = (await post(report(east(MAIN, 660), at(6, 1, 11)))).body;
    expect([a.repeatGroup.id, b.repeatGroup.id, c.repeatGroup.id]).toEqual([a.id, a.id, c.id]);
    expect([a.isRepeat, b.isRepeat, c.isRepeat]).toEqual([false, true, false]); // as each was answered
    expect(b.repeatGroup).toMatchObject({ size: 2, reached: true });
    // voiding A as a duplicate of B: B anchors now and C, 30 m from B, joins it
    const v = await api.act(a.id, { action: 'void', expectedVersion: a.version, duplicateOf: b.id }, TOKENS.operator);
    expect(v.status, JSON.stringify(v.body)).toBe(200);
    expect(v.body).toMatchObject({ status: 'voided', duplicateOf: b.id, repeatGroup: null, isRepeat: false });
    const [db, dc] = await Promise.all([b, c].map(async (x) => (await api.get(`/api/cases/${x.id}`)).body));
    expect(db).toMatchObject({ isRepeat: true, repeatGroup: { id: b.id, size: 2, threshold: 2, reached: true } });
    expect(dc).toMatchObject({ isRepeat: true, repeatGroup: { id: b.id, size: 2, reached: true } });
    const alerts = await detectedFor(b.id);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].payload).toMatchObject({ groupId: b.id, members: [b.id, c.id] });
    await expectStoredEqualsBatch(6);

    // voiding the last member of a group of two leaves a group of one, not a repeat
    const d2 = (await api.get(`/api/cases/${c.id}`)).body;
    expect((await api.act(c.id, { action: 'void', expectedVersion: d2.version }, TOKENS.operator)).status).toBe(200);
    expect((await api.get(`/api/cases/${b.id}`)).body).toMatchObject({ isRepeat: false, repeatGroup: { id: b.id, size: 1, reached: false } });
    await expectStoredEqualsBatch(6);
  });

  it('reports arriving out of time order, one by one and all at once, end where the batch does', async () => {
    const rnd = seededRandom(7);
    const draw = (n: number, month: number) => Array.from({ length: n }, (_, i) => {
      const base = rnd() < 0.5 ? MAIN : ALLEY;
      return report(east(base, 900 + rnd() * 120, rnd() * 40), at(month, 1 + Math.floor(rnd() * 27), 8, i), { minor: rnd() < 0.7 ? '0102' : '0103' });
    });
    // one by one in random time order (device clocks, late uploads): each late one recomputes its partition
    for (const body of draw(30, 7)) await post(body);
    const july = await expectStoredEqualsBatch(7);
    expect(Object.values(july).some((g: any) => g.reached)).toBe(true);
    // all at once: the insert batches several reports into one transaction
    const burst = await Promise.all(draw(30, 8).map((body) => api.report(body)));
    expect(burst.map((r) => r.status)).toEqual(burst.map(() => 201));
    const august = await expectStoredEqualsBatch(8);
    // every case of the burst is in exactly one stored group
    const members = Object.values(august).flatMap((g: any) => g.members as string[]);
    expect(members.sort()).toEqual(burst.map((r) => r.body.id).sort());
  });

  it('turns duplicate-report suggestions off per minor (0) and takes per-minor distances from geodata/repeats.json', async () => {
    const other = await make({ duplicateDistance: { defaultM: 100, byMinor: { 'event:0503': 0, '0504': 20 } } });
    const o = client(other);
    try {
      const p = east(ALLEY, 0, -1500);
      const go = async (minor: string, m: number) => {
        const r = await o.report(report(east(p, m), at(9, 1, 9), { minor }));
        expect(r.status).toBe(201);
        return r.body;
      };
      await go('0503', 0);
      const off = await go('0503', 0); // the same spot: no suggestion, no event
      expect(off.possibleDuplicates).toEqual([]);
      expect((await events([off.id])).map((e) => e.type)).toEqual(['case.created']);
      await go('0504', 100);
      expect((await go('0504', 130)).possibleDuplicates).toEqual([]); // 30 m > 20 m
      const near = await go('0504', 115); // 15 m from both
      expect(near.possibleDuplicates.map((d: { distance: number }) => Math.round(d.distance))).toEqual([15, 15]);
      await go('0505', 200);
      expect((await go('0505', 280)).possibleDuplicates).toHaveLength(1); // the default, 100 m
    } finally {
      await other.close();
    }
    // CASE_DUPLICATE_DISTANCE_M (cases.duplicateDistanceM) replaces the file's default, not its per-minor entries
    const env = await make({ duplicateDistance: { defaultM: 100, byMinor: { 'event:0503': 0 } } }, { duplicateDistanceM: 30 });
    try {
      const e = client(env);
      const p = east(ALLEY, 0, -1800);
      const one = await e.report(report(p, at(9, 2, 9), { minor: '0506' }));
      const two = await e.report(report(east(p, 50), at(9, 2, 10), { minor: '0506' }));
      expect(one.status).toBe(201);
      expect(two.body.possibleDuplicates).toEqual([]); // 50 m > 30 m
      const three = await e.report(report(east(p, 60), at(9, 2, 11), { minor: '0506' }));
      expect(three.body.possibleDuplicates.map((d: { id: string }) => d.id)).toEqual([two.body.id]);
      const z = await e.report(report(p, at(9, 2, 12), { minor: '0503' }));
      expect(z.body.possibleDuplicates).toEqual([]);
    } finally {
      await env.close();
    }
  });

  it('a batch of reports in time order: several join a stored group and one of the batch, each threshold alerts once', async () => {
    // record the batches of the planned insert (one statement for cases, groups, events and keys)
    const batches: number[] = [];
    const watch = (c: any) => {
      if (c.__watched) return;
      c.__watched = true;
      const query = c.query.bind(c);
      c.query = (q: any, ...rest: any[]) => {
        if (q?.text === PLANNED_SQL) batches.push(JSON.parse(q.values[0]).length);
        return query(q, ...rest);
      };
    };
    t.db.pool.on('acquire', watch);
    try {
      const a = (await post(report(east(ALLEY, 0, 300), at(10, 1, 9)))).body; // alley: threshold 4
      const far = east(MAIN, 1200); // main road: threshold 2, another minor
      const burst = await Promise.all([
        ...[1, 2, 3, 4, 5].map((i) => report(east(ALLEY, i * 6, 300), at(10, 2, 9, i))),
        ...[1, 2, 3].map((i) => report(east(far, i * 8), at(10, 2, 10, i), { minor: '0103' })),
      ].map((body) => api.report(body)));
      expect(burst.map((r) => r.status)).toEqual(burst.map(() => 201));
      const [b, m] = [burst.slice(0, 5).map((r) => r.body), burst.slice(5).map((r) => r.body)];
      if (embedded) {
        // one connection: the reports queued behind the first go as one batch, answered as if one by one
        expect(Math.max(...batches)).toBeGreaterThan(2);
        expect(b.map((x) => [x.repeatGroup, x.isRepeat])).toEqual([2, 3, 4, 5, 6].map((size) => [{ id: a.id, size, threshold: 4, reached: size >= 4 }, size >= 4]));
        expect(m.map((x) => [x.repeatGroup, x.isRepeat])).toEqual([1, 2, 3].map((size) => [{ id: m[0].id, size, threshold: 2, reached: size >= 2 }, size >= 2]));
        expect((await events([b[2].id])).map((e) => e.type)).toEqual(['case.created', 'case.duplicate-suggested', 'repeat.detected']);
        // the alerts list the members as at the report that reached the threshold
        expect((await detectedFor(a.id))[0]).toMatchObject({
          case_id: b[2].id, payload: { groupId: a.id, roadClass: 'alley', threshold: 4, size: 4, members: [a.id, ...b.slice(0, 3).map((x) => x.id)] },
        });
        expect((await detectedFor(m[0].id))[0]).toMatchObject({ case_id: m[1].id, payload: { groupId: m[0].id, minor: '0103', roadClass: 'main', size: 2, members: [m[0].id, m[1].id] } });
      }
      // however the server's connections took them (out of time order: the partition recomputed), one alert per
      // group, every member flagged, the groups as the batch computes them
      expect(await detectedFor(a.id)).toHaveLength(1);
      expect(await detectedFor(m[0].id)).toHaveLength(1);
      for (const x of [a, ...b, ...m]) expect((await api.get(`/api/cases/${x.id}`)).body, x.id).toMatchObject({ isRepeat: true });
      const october = await expectStoredEqualsBatch(10);
      expect(october[a.id]).toMatchObject({ size: 6, members: [a.id, ...b.map((x) => x.id)] });
      expect(october[m[0].id]).toMatchObject({ size: 3, members: m.map((x) => x.id) });
    } finally {
      t.db.pool.off('acquire', watch);
    }
  });

  it('flags repeat cases in the map feed', async () => {
    const res = await app.inject({ url: '/api/cases-feed?from=2026-01-01T00:00:00Z', headers: { authorization: `Bearer ${TOKENS.display}` } });
    expect(res.statusCode).toBe(200);
    const { header, columns } = decodeFeed(new Uint8Array(res.rawPayload).buffer);
    const flagged = new Set<string>();
    for (let i = 0; i < header.count; i++) if (columns.flags[i] & FLAG_REPEAT) flagged.add(feedCaseId(header.dicts, columns.county[i], columns.idNum[i]));
    const { rows } = await t.db.pool.query(`SELECT id FROM cases WHERE is_repeat AND reported_at >= '2026-01-01T00:00:00Z'`);
    expect(flagged.size).toBeGreaterThan(0);
    expect([...flagged].sort()).toEqual(rows.map((r) => r.id).sort());
  });
});
