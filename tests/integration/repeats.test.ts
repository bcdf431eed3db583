import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { transaction } from '../../api/db/connect.ts';
import { loadTaxonomy } from '../../api/taxonomy/load.ts';
import { DEFAULT_REPEATS_CONFIG, type RepeatsConfig } from '../../api/domain/repeats.ts';
import { assignRepeatGroup, assignRepeatGroups, recomputeCasePartition, recomputePeriod, repeatsContext, type IntakeCase, type RepeatsContext } from '../../api/analysis/repeats/store.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';
import { loadMiniCity } from '../helpers/mini-city.ts';
import { caseId, M_LAT, M_LON, plantCases, type PlantedCase } from '../helpers/plant.ts';
import { seededRandom } from '../helpers/random.ts';

const SRID = 32649;
const AUTH = { authorization: 'Bearer demo-analyst' };
const P0 = { lon: 109.455, lat: 24.275 }; // on 阳和大道 (main road r1), west community
const ALLEY = { lon: 109.455, lat: 24.26 }; // ≥ 1.6 km from every road
const SEC = { lon: 109.475 + 5 * M_LON, lat: 24.26 }; // 5 m east of 柳东路 (secondary road r2), east community
const KEY = { lon: 109.49, lat: 24.29 }; // in the key area k1, far from roads
const east = (p: { lon: number; lat: number }, m: number, n = 0) => ({ lon: p.lon + m * M_LON, lat: p.lat + n * M_LAT });

/** The planted month: the hand-made cases, plus what must never count. */
function january(): PlantedCase[] {
  const d = (day: number, h = 10) => `2026-01-${String(day).padStart(2, '0')}T${String(h - 8).padStart(2, '0')}:00:00Z`; // h local
  let n = 0;
  const id = (day: number) => caseId(`2026-01-${String(day).padStart(2, '0')}`, ++n);
  return [
    // two 暴露垃圾 20 m apart on the main road: both repeats (the anchor has no stored road class: snapped in SQL)
    { id: id(5), ...P0, at: d(5), roadClass: null },
    { id: id(6), ...east(P0, 20), at: d(6), roadClass: 'main' },
    // 60 m from that anchor (40 m from its second case, which anchors nothing): a group of its own
    { id: id(8), ...east(P0, 60), at: d(8), roadClass: 'main' },
    // three on an alley, then a fourth (department d2)
    { id: id(7), ...ALLEY, at: d(7) },
    { id: id(8), ...east(ALLEY, 10, 5), at: d(8, 11) },
    { id: id(9), ...east(ALLEY, -15, 10), at: d(9) },
    { id: id(12), ...east(ALLEY, 30, -20), at: d(12), department: 'd2' },
    // secondary road: two of three
    { id: id(10), ...SEC, minor: '0103', at: d(10), roadClass: 'secondary' },
    { id: id(11), ...east(SEC, 0, 10), minor: '0103', at: d(11), roadClass: 'secondary' },
    // a key area on an alley: two are enough
    { id: id(13), ...KEY, at: d(13), zones: [{ id: 'k1', level: 'key' }] },
    { id: id(14), ...east(KEY, 5), at: d(14), zones: [{ id: 'k1', level: 'key' }] },
    // components and 非法小广告 never count, however many
    ...[15, 16, 17, 18].map((day) => ({ id: id(day), ...P0, kind: 'component' as const, minor: '0101', at: d(day), roadClass: 'main' as const })),
    ...[15, 16, 17].map((day) => ({ id: id(day), ...P0, minor: '0201', at: d(day), roadClass: 'main' as const })),
    // a voided duplicate report next to the anchor is not a recurrence
    { id: id(19), ...east(P0, 5), at: d(19), roadClass: 'main', status: 'voided' },
  ];
}
const february = (): PlantedCase[] => [{ id: caseId('2026-02-03', 1), ...P0, at: '2026-02-03T02:00:00Z', roadClass: 'main' }];

async function loadCity(t: TestDatabase) {
  await loadMiniCity(t.db.pool, ['districts', 'grids', 'roads', 'zones'], SRID);
  await t.db.pool.query(`INSERT INTO departments (id, name) VALUES ('d2', '环卫处') ON CONFLICT DO NOTHING`);
  await t.db.pool.query(`INSERT INTO zones (id, name, level, geom) VALUES ('k1', '重点区域', 'key', ST_Multi(ST_MakeEnvelope(109.485, 24.285, 109.495, 24.295, 4326)))`);
  await loadTaxonomy(t.db.pool);
}

const members = (fc: any) => Object.fromEntries(fc.features.map((f: any) => [f.id, f.properties.members]));

describe.each([
  ['embedded PGlite', true] as const,
  ...(serverUrl ? [['PostgreSQL server', false] as const] : []),
])('repeat cases on %s', (_name, embedded) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let ctx: RepeatsContext;
  const jan = january();
  const feb = february();
  beforeAll(async () => {
    t = await createTestDatabase({ embedded });
    await loadCity(t);
    app = await buildApp({ db: t.db, config: t.config });
    ctx = await repeatsContext(app);
    expect(ctx.srid).toBe(SRID);
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  const get = async (qs: string) => {
    const res = await app.inject({ url: `/api/analysis/repeats?${qs}`, headers: AUTH });
    return { status: res.statusCode, body: res.json() };
  };

  describe('batch endpoint on planted cases', () => {
    beforeAll(async () => {
      await plantCases(t.db.pool, [...jan, ...feb]);
    });

    it('finds the issue\'s groups in January', async () => {
      const { status, body } = await get('from=2026-01-01&to=2026-02-01');
      expect(status).toBe(200);
      expect(body.type).toBe('FeatureCollection');
      const [a1, a2, c60, b1, b2, b3, b4, s1, s2, k1, k2] = jan;
      expect(members(body)).toEqual({ [a1.id]: [a1.id, a2.id], [b1.id]: [b1.id, b2.id, b3.id, b4.id], [k1.id]: [k1.id, k2.id], [s1.id]: [s1.id, s2.id] });
      const p = Object.fromEntries(body.features.map((f: any) => [f.id, f.properties]));
      expect(p[a1.id]).toMatchObject({ minor: '0102', kind: 'event', roadClass: 'main', threshold: 2, size: 2, reached: true, reachedAt: new Date(a2.at).toISOString(), period: '2026-01' });
      expect(p[b1.id]).toMatchObject({ roadClass: 'alley', threshold: 4, size: 4, reached: true, departments: [{ id: 'd1', cases: 3 }, { id: 'd2', cases: 1 }] });
      expect(p[s1.id]).toMatchObject({ roadClass: 'secondary', threshold: 3, size: 2, reached: false, reachedAt: null });
      expect(p[k1.id]).toMatchObject({ roadClass: 'alley', keyArea: true, threshold: 2, reached: true });
      const anchor = body.features.find((f: any) => f.id === a1.id).geometry;
      expect(anchor.type).toBe('Point');
      expect(anchor.coordinates[0]).toBeCloseTo(P0.lon, 9);
      expect(body.totals).toMatchObject({ cases: 11, repeatCases: 8, groups: 5, reachedGroups: 3, returned: 4 });
      expect(body.totals.byRoadClass.main).toEqual({ groups: 2, reachedGroups: 1, repeatCases: 2 });
      expect(c60.id in members(body)).toBe(false); // a group of one is returned with minSize=1 only
      expect(members(await get('from=2026-01-01&to=2026-02-01&minSize=1').then((r) => r.body))[c60.id]).toEqual([c60.id]);
    });

    it('three on an alley are no repeats until the fourth', async () => {
      const [, , , b1] = jan;
      const before = (await get('from=2026-01-01&to=2026-01-10')).body; // the fourth came on the 12th
      expect(before.features.find((f: any) => f.id === b1.id).properties).toMatchObject({ size: 3, threshold: 4, reached: false });
    });

    it('the same place in another month is another group', async () => {
      const { body } = await get('from=2026-01-01&to=2026-03-01&minSize=1');
      const [a1] = jan;
      expect(members(body)[a1.id]).toEqual([a1.id, jan[1].id]);
      expect(members(body)[feb[0].id]).toEqual([feb[0].id]);
      expect(body.features.find((f: any) => f.id === feb[0].id).properties.period).toBe('2026-02');
    });

    it('from inside a month keeps the groups intake made (grouping starts at the period)', async () => {
      const { body } = await get('from=2026-01-12&to=2026-02-01');
      const [, , , b1, , , b4, , , k1] = jan;
      expect(Object.keys(members(body)).sort()).toEqual([b1.id, k1.id].sort());
      expect(body.features.find((f: any) => f.id === b1.id).properties).toMatchObject({ size: 4, sizeInRange: 1, reached: true });
      expect(body.totals).toMatchObject({ cases: 3, repeatCases: 3 }); // b4, k1, k2
      expect(b4.id).toBe(body.features.find((f: any) => f.id === b1.id).properties.members[3]);
    });

    it('filters by minor, department, district and reached', async () => {
      const [a1, , , b1, , , , s1] = jan;
      expect(Object.keys(members((await get('from=2026-01-01&to=2026-02-01&minor=0103')).body))).toEqual([s1.id]);
      expect(Object.keys(members((await get('from=2026-01-01&to=2026-02-01&minor=event:0103')).body))).toEqual([s1.id]);
      expect(Object.keys(members((await get('from=2026-01-01&to=2026-02-01&department=d2')).body))).toEqual([b1.id]);
      expect(Object.keys(members((await get('from=2026-01-01&to=2026-02-01&district=450203001001')).body)).sort()).toEqual([a1.id, b1.id].sort());
      expect(Object.keys(members((await get('from=2026-01-01&to=2026-02-01&reached=false')).body))).toEqual([s1.id]);
    });

    it('answers what-if overrides', async () => {
      const [a1, a2, c60, b1, , , , , , k1] = jan;
      // a wider radius takes the 60 m case into the first group
      expect(members((await get('from=2026-01-01&to=2026-02-01&radius=100')).body)[a1.id]).toEqual([a1.id, a2.id, c60.id]);
      // a stricter alley threshold: the alley group is no longer reached, the key area still is
      const strict = (await get('from=2026-01-01&to=2026-02-01&thresholdAlley=5')).body;
      const props = Object.fromEntries(strict.features.map((f: any) => [f.id, f.properties]));
      expect(props[b1.id]).toMatchObject({ threshold: 5, reached: false });
      expect(props[k1.id]).toMatchObject({ threshold: 2, reached: true });
      // no road within 0 m: the main-road group becomes an alley group of two
      const snap0 = (await get('from=2026-01-01&to=2026-02-01&snap=0')).body;
      expect(snap0.features.find((f: any) => f.id === a1.id).properties).toMatchObject({ roadClass: 'alley', threshold: 4, reached: false });
      expect(snap0.params.overrides).toEqual({ snap: 0 });
      // counting components too
      const comps = (await get('from=2026-01-01&to=2026-02-01&excludeKinds=&minor=component:0101')).body;
      expect(comps.features.map((f: any) => f.properties.size)).toEqual([4]);
    });

    it('refuses bad input with 400 naming the parameter', async () => {
      const bad = async (qs: string, param: string) => {
        const { status, body } = await get(qs);
        expect(status, qs).toBe(400);
        expect(body.param, qs).toBe(param);
        expect(body.message).toMatch(new RegExp(`^${param}: `));
      };
      await bad('from=2026-01-01&to=2026-02-01&minor=9999', 'minor');
      await bad('from=2026-01-01&to=2026-02-01&minor=abc', 'minor');
      await bad('from=2026-01-01&to=2026-02-01&radius=-5', 'radius');
      await bad('from=2026-01-01&to=2026-02-01&radius=100000', 'radius');
      await bad('from=2026-01-01&to=2026-02-01&radius=abc', 'radius');
      await bad('from=2026-02-01&to=2026-01-01', 'from');
      await bad('from=2026-01-01&to=2026-01-01', 'from');
      await bad('from=2024-01-01&to=2026-01-01', 'to');
      await bad('to=2026-01-01', 'from');
      await bad('from=2026-01-01&to=2026-02-30', 'to');
      await bad('from=2026-01-01&to=2026-02-01&thresholdMain=1', 'thresholdMain');
      await bad('from=2026-01-01&to=2026-02-01&period=week', 'period');
      await bad('from=2026-01-01&to=2026-02-01&district=999999', 'district');
      await bad('from=2026-01-01&to=2026-02-01&department=nobody', 'department');
      await bad('from=2026-01-01&to=2026-02-01&raduis=80', 'raduis');
      expect((await app.inject({ url: '/api/analysis/repeats?from=2026-01-01&to=2026-02-01' })).statusCode).toBe(401);
    });

    it('takes the deployment settings from app.config.repeats', async () => {
      const repeats: Partial<RepeatsConfig> = { radiusM: 100, thresholds: { ...DEFAULT_REPEATS_CONFIG.thresholds, main: 3 } };
      const other = await buildApp({ db: t.db, config: { ...t.config, repeats } as any });
      try {
        const res = await other.inject({ url: '/api/analysis/repeats?from=2026-01-01&to=2026-02-01', headers: AUTH });
        const [a1, a2, c60] = jan;
        expect(res.json().features.find((f: any) => f.id === a1.id).properties).toMatchObject({ members: [a1.id, a2.id, c60.id], threshold: 3, reached: true });
        expect(res.json().params).toMatchObject({ radiusM: 100, thresholds: { main: 3 } });
      } finally {
        await other.close();
      }
    });

    it('rebuilds the stored groups of a period as the batch computes them', async () => {
      const res = await app.inject({ method: 'POST', url: '/api/analysis/repeats/recompute', headers: AUTH, payload: { at: '2026-01-15' } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ period: '2026-01', cases: 11, groups: 5, reachedGroups: 3, repeatCases: 8, events: 0 });
      await expectStoredEqualsBatch('2026-01-01', '2026-02-01');
      const [a1, a2, , b1] = jan;
      const { rows } = await t.db.pool.query(`SELECT id, repeat_group_id, is_repeat FROM cases WHERE id = ANY($1) ORDER BY id`, [[a1.id, a2.id, b1.id, jan[11].id]]);
      expect(rows).toEqual(expect.arrayContaining([
        { id: a2.id, repeat_group_id: a1.id, is_repeat: true },
        { id: jan[11].id, repeat_group_id: null, is_repeat: false }, // a component
      ]));
      expect((await app.inject({ method: 'POST', url: '/api/analysis/repeats/recompute', headers: { authorization: 'Bearer demo-collector' }, payload: { at: '2026-01-15' } })).statusCode).toBe(403);
      expect((await app.inject({ method: 'POST', url: '/api/analysis/repeats/recompute', headers: AUTH, payload: { at: 'soon' } })).json().param).toBe('at');
    });
  });

  /** Stored groups (repeat_groups + cases.repeat_group_id) equal the batch endpoint's, member for member. */
  async function expectStoredEqualsBatch(from: string, to: string) {
    const { body } = await get(`from=${from}&to=${to}&minSize=1`);
    const { rows } = await t.db.pool.query(
      `SELECT g.id, g.size, g.threshold, g.road_class, g.size >= g.threshold AS reached,
              (SELECT array_agg(c.id ORDER BY c.reported_at, c.id) FROM cases c WHERE c.district_code = g.district_code AND c.repeat_group_id = g.id) AS members,
              (SELECT bool_and(c.is_repeat = (g.size >= g.threshold)) FROM cases c WHERE c.district_code = g.district_code AND c.repeat_group_id = g.id) AS flags
         FROM repeat_groups g WHERE g.period_start >= $1 AND g.period_start < $2`,
      [new Date(`${from}T00:00:00+08:00`), new Date(`${to}T00:00:00+08:00`)],
    );
    const stored = Object.fromEntries(rows.map((r) => [r.id, { size: r.size, threshold: r.threshold, roadClass: r.road_class, reached: r.reached, members: r.members }]));
    const batch = Object.fromEntries(body.features.map((f: any) => [f.id, { size: f.properties.size, threshold: f.properties.threshold, roadClass: f.properties.roadClass, reached: f.properties.reached, members: f.properties.members }]));
    expect(stored).toEqual(batch);
    for (const r of rows) expect(r.flags, r.id).toBe(true);
    for (const r of rows) expect(r.members.length, r.id).toBe(r.size);
  }

  describe('intake: assignRepeatGroup', () => {
    // March 2026, a fresh month: cases go through the intake function one by one
    const mar = (day: number, h: number) => `2026-03-${String(day).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00Z`;
    let n = 0;
    const plant = async (c: Omit<PlantedCase, 'id'> & { id?: string }) => {
      const pc = { id: c.id ?? caseId(c.at.slice(0, 10), 500 + ++n), ...c } as PlantedCase;
      return transaction(t.db.pool, async (client) => {
        const [row] = await plantCases(client, [pc]);
        return { row, group: await assignRepeatGroup(client, ctx, row as IntakeCase) };
      });
    };
    const events = async () => (await t.db.pool.query(`SELECT case_id, department_id, payload FROM case_events WHERE type = 'repeat.detected' ORDER BY id`)).rows;

    it('assigns, marks every member a repeat when the threshold is reached, and emits one repeat.detected', async () => {
      const before = (await events()).length;
      const out = [];
      for (let i = 0; i < 5; i++) out.push(await plant({ ...east(ALLEY, i * 3), at: mar(2, i) }));
      expect(out.map((o) => o.group)).toEqual([
        { id: out[0].row.id, size: 1, threshold: 4, reached: false },
        { id: out[0].row.id, size: 2, threshold: 4, reached: false },
        { id: out[0].row.id, size: 3, threshold: 4, reached: false },
        { id: out[0].row.id, size: 4, threshold: 4, reached: true },
        { id: out[0].row.id, size: 5, threshold: 4, reached: true },
      ]);
      const ev = (await events()).slice(before);
      expect(ev).toHaveLength(1);
      expect(ev[0].case_id).toBe(out[3].row.id);
      expect(ev[0].payload).toMatchObject({ groupId: out[0].row.id, minor: '0102', roadClass: 'alley', threshold: 4, size: 4, members: out.slice(0, 4).map((o) => o.row.id) });
      const flags = (await t.db.pool.query(`SELECT bool_and(is_repeat) AS all FROM cases WHERE repeat_group_id = $1`, [out[0].row.id])).rows[0];
      expect(flags.all).toBe(true);
      // excluded categories get no group
      expect((await plant({ ...ALLEY, minor: '0201', at: mar(2, 6) })).group).toBeNull();
      expect((await plant({ ...ALLEY, kind: 'component', minor: '0101', at: mar(2, 7) })).group).toBeNull();
      await expectStoredEqualsBatch('2026-03-01', '2026-04-01');
    });

    it('a case older than its partition\'s newest is placed by recomputing the partition', async () => {
      const a = await plant({ ...P0, at: mar(5, 3), roadClass: 'main' });
      const b = await plant({ ...east(P0, 45), at: mar(5, 4), roadClass: 'main' }); // joins a
      expect(b.group).toMatchObject({ id: a.row.id, size: 2, reached: true });
      // reported earlier than both, 40 m east: it is the anchor now, and a (40 m) and b (5 m) belong to it
      const late = await plant({ ...east(P0, 40), at: mar(5, 1), roadClass: 'main' });
      expect(late.group).toMatchObject({ id: late.row.id, size: 3, reached: true });
      const { rows } = await t.db.pool.query(`SELECT id FROM cases WHERE repeat_group_id = $1 ORDER BY reported_at`, [late.row.id]);
      expect(rows.map((r) => r.id)).toEqual([late.row.id, a.row.id, b.row.id]);
      await expectStoredEqualsBatch('2026-03-01', '2026-04-01');
      const ev = (await events()).filter((e) => e.payload.groupId === late.row.id);
      expect(ev).toHaveLength(1); // the rebuilt group reached its threshold: alerted once
    });

    it('voiding a case and recomputing its partition shrinks its group', async () => {
      const a = await plant({ ...KEY, at: mar(9, 1), zones: [{ id: 'k1', level: 'key' }] });
      const b = await plant({ ...east(KEY, 2), at: mar(9, 2) });
      expect(b.group).toMatchObject({ id: a.row.id, size: 2, threshold: 2, reached: true });
      await transaction(t.db.pool, async (client) => {
        await client.query(`UPDATE cases SET status = 'voided' WHERE id = $1`, [b.row.id]);
        await recomputeCasePartition(client, ctx, b.row as IntakeCase);
      });
      const { rows } = await t.db.pool.query(`SELECT id, repeat_group_id, is_repeat FROM cases WHERE id = ANY($1) ORDER BY id`, [[a.row.id, b.row.id]]);
      expect(rows).toEqual([{ id: a.row.id, repeat_group_id: a.row.id, is_repeat: false }, { id: b.row.id, repeat_group_id: null, is_repeat: false }]);
      await expectStoredEqualsBatch('2026-03-01', '2026-04-01');
    });

    it('assigns a batch of reports in time order, and concurrent intakes of one partition queue', async () => {
      const at = (h: number) => `2026-03-12T${String(h).padStart(2, '0')}:00:00Z`;
      const rows = await plantCases(t.db.pool, Array.from({ length: 8 }, (_, i) => ({
        id: caseId('2026-03-12', 900 + i), ...east(ALLEY, 200 + (i % 4) * 7, 200), at: at(i + 1),
      })));
      // one batch given newest first, and three single intakes at the same time on other connections
      // (whichever gets the partition first, the others wait; a late one recomputes the partition)
      const [batch] = await Promise.all([
        assignRepeatGroups(t.db.pool, ctx, [rows[4], rows[2], rows[0], rows[6]]),
        assignRepeatGroup(t.db.pool, ctx, rows[1]),
        assignRepeatGroup(t.db.pool, ctx, rows[3]),
        assignRepeatGroup(t.db.pool, ctx, rows[5]),
      ]);
      expect(batch).toHaveLength(4);
      expect(batch[2]?.id).toBe(rows[0].id); // the earliest case anchors, whatever came first
      expect(await assignRepeatGroup(t.db.pool, ctx, rows[7])).toEqual({ id: rows[0].id, size: 8, threshold: 4, reached: true });
      const { rows: g } = await t.db.pool.query(`SELECT size, threshold, reached_at IS NOT NULL AS reached FROM repeat_groups WHERE id = $1`, [rows[0].id]);
      expect(g).toEqual([{ size: 8, threshold: 4, reached: true }]);
      await expectStoredEqualsBatch('2026-03-01', '2026-04-01');
    });

    it('random cases one by one give the batch groups (stored = batch)', async () => {
      const rnd = seededRandom(42);
      for (let i = 0; i < 60; i++) {
        const minor = rnd() < 0.7 ? '0102' : '0103';
        const p = rnd() < 0.5 ? P0 : ALLEY;
        await plant({ ...east(p, rnd() * 150, rnd() * 150), minor, at: new Date(Date.parse('2026-03-20T00:00:00Z') + i * 3_600_000 * (rnd() < 0.1 ? 0 : 1)).toISOString(), roadClass: p === P0 ? 'main' : 'alley' });
      }
      await expectStoredEqualsBatch('2026-03-01', '2026-04-01');
      // and a rebuild changes nothing
      const again = await recomputePeriod(t.db.pool, ctx, new Date('2026-03-15T00:00:00Z'));
      expect(again.events).toBe(0);
      await expectStoredEqualsBatch('2026-03-01', '2026-04-01');
    });

    it('random batches of reports give the batch groups (stored = batch)', async () => {
      const rnd = seededRandom(7);
      const minors = ['0102', '0103', '0104', '0105'];
      let serial = 0;
      let hour = 0;
      const reached = { before: (await events()).length };
      for (let b = 0; b < 25; b++) {
        // 1–5 reports, often two of one minor (one partition): assigned a case of every partition at a time
        const batch: PlantedCase[] = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => minors[Math.floor(rnd() * minors.length)]).map((minor) => {
          const p = rnd() < 0.5 ? P0 : ALLEY;
          const at = new Date(Date.parse('2026-04-03T00:00:00Z') + hour++ * 1_800_000).toISOString();
          const roadClass = rnd() < 0.15 ? null : p === P0 ? 'main' : 'alley'; // null: snapped like an import
          return { id: caseId('2026-04-03', 700 + serial++), ...east(p, rnd() * 120, rnd() * 120), minor, at, roadClass };
        });
        if (!batch.length) continue;
        await transaction(t.db.pool, async (client) => {
          const rows = await plantCases(client, batch);
          const groups = await assignRepeatGroups(client, ctx, rows as IntakeCase[]);
          for (const g of groups) expect(g).not.toBeNull();
        });
      }
      expect(serial).toBeGreaterThan(60);
      expect((await events()).length).toBeGreaterThan(reached.before); // some groups reached their threshold on the way
      await expectStoredEqualsBatch('2026-04-01', '2026-05-01');
    });
  });
});
