// Intake, idempotency, list and detail over HTTP on the mini city (real PostGIS with TEST_DATABASE_URL, else embedded).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { parseCalendar, atLocal, computeDeadline } from '../../api/domain/calendar.ts';
import { parseCaseId } from '../../api/domain/case-id.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { caseApp, client, counts, loadMiniCity, TOKENS } from '../helpers/cases.ts';

const cal = parseCalendar(JSON.parse(fs.readFileSync(new URL('../../geodata/calendar/default.json', import.meta.url), 'utf8')));

// Points of the mini city (lon/lat). Road r1 runs along lat 24.275 (main), r2 along lon 109.475 (secondary).
const IN_PROHIBITED = { lon: 109.4725, lat: 24.2751 }; // in z1 (严禁区, governs event:0501), ~11 m from r1, west community
const NEAR_SECONDARY = { lon: 109.4752, lat: 24.26 }; // ~20 m east of r2, east community, no zone
const ALLEY = { lon: 109.455, lat: 24.29 }; // far from both roads
const IN_RESTRICTED = { lon: 109.46, lat: 24.26 }; // z2: 0501 allowed 06:00–09:00
const IN_CLASS_A = { lon: 109.49, lat: 24.29 }; // z3 key area, time-limit class A

const vendor = (at: { lon: number; lat: number }, extra: Record<string, unknown> = {}) => ({
  source: 'patrol', kind: 'event', minor: '0501', description: '无照游商占道经营', ...at, ...extra,
});

describe('case intake and queries', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let api: ReturnType<typeof client>;
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

  it('derives districts, grid, road class, zones, violation, time limit and events at intake', async () => {
    const before = new Date();
    const r = await api.report(vendor(IN_PROHIBITED, { address: '阳和广场东侧', photos: ['p/1.jpg'], reporter: '张三' }));
    expect(r.status).toBe(201);
    const c = r.body;
    expect(c).toMatchObject({
      version: 1, status: 'reported', source: 'patrol', kind: 'event', major: '05', minor: '0501',
      districtCode: '450203', streetCode: '450203001', communityCode: '450203001001', gridCode: '45020300100102',
      roadId: 'r1', roadClass: 'main', zoneViolation: 'prohibited', deadline: null, light: null,
      timeLimit: { value: 1, unit: 'work_hours' }, timeLimitClass: null, possibleDuplicates: [],
      photos: ['p/1.jpg'], reporter: '张三', address: '阳和广场东侧', allowedActions: [],
    });
    expect(c.zones).toEqual([{ id: 'z1', name: '阳和广场严禁区', level: 'prohibited', timeLimitClass: null, violation: true }]);
    const id = parseCaseId(c.id)!;
    expect(id.county).toBe('450203');
    expect(c.id).toMatch(/^450203\d{8}\d{5}$/);
    // the preview is registration "now" + 1 work hour on the calendar
    const preview = new Date(c.deadlinePreview);
    expect(preview.getTime()).toBeGreaterThanOrEqual(computeDeadline(before, { value: 1, unit: 'work_hours' }, cal).getTime() - 1000);
    expect(c.lon).toBeCloseTo(IN_PROHIBITED.lon, 9);

    const events = (await t.db.pool.query(`SELECT type, actor, payload FROM case_events WHERE case_id = $1 ORDER BY id`, [c.id])).rows;
    expect(events.map((e) => e.type)).toEqual(['case.created', 'zone.violation']);
    expect(events[0]).toMatchObject({ actor: '演示监督员', payload: { id: c.id, status: 'reported', gridCode: '45020300100102', lon: IN_PROHIBITED.lon } });
    expect(events[1].payload).toMatchObject({ level: 'prohibited', zoneId: 'z1', minor: '0501' });

    const detail = await api.get(`/api/cases/${c.id}`, TOKENS.operator);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({ id: c.id, gridCode: c.gridCode, zones: c.zones, allowedActions: ['accept', 'void'] });
    expect(detail.body.events.map((e: { type: string }) => e.type)).toEqual(['case.created', 'zone.violation']);
  });

  it('takes the road class of the nearest road within the snap distance, else alley', async () => {
    const sec = await api.report({ ...vendor(NEAR_SECONDARY), minor: '0502' });
    expect(sec.status).toBe(201);
    expect(sec.body).toMatchObject({ roadId: 'r2', roadClass: 'secondary', communityCode: '450203001002', gridCode: '45020300100201', zones: [], zoneViolation: null });
    const alley = await api.report({ ...vendor(ALLEY), minor: '0502' });
    expect(alley.body).toMatchObject({ roadId: null, roadClass: 'alley', gridCode: '45020300100102' });
  });

  it('flags a restricted zone only outside its allowed windows (local time)', async () => {
    const inWindow = await api.report(vendor(IN_RESTRICTED, { reportedAt: atLocal('2025-03-04', '07:30', cal).toISOString() }));
    expect(inWindow.body).toMatchObject({ zoneViolation: null, zones: [{ id: 'z2', level: 'restricted' }] });
    const outside = await api.report(vendor({ ...IN_RESTRICTED, lon: IN_RESTRICTED.lon + 0.002 }, { reportedAt: atLocal('2025-03-04', '12:00', cal).toISOString() }));
    expect(outside.body).toMatchObject({ zoneViolation: 'restricted', zones: [{ id: 'z2', violation: true }] });
    // an ungoverned category in the same zone is no violation
    const other = await api.report({ ...vendor(IN_RESTRICTED), minor: '0502', reportedAt: atLocal('2025-03-04', '12:00', cal).toISOString() });
    expect(other.body.zoneViolation).toBe(null);
  });

  it('shortens the time limit by the zone time-limit class', async () => {
    const r = await api.report({ source: 'hotline', kind: 'event', minor: '0102', description: '暴露垃圾', ...IN_CLASS_A }, TOKENS.operator);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ timeLimit: { value: 1, unit: 'work_hours' }, timeLimitClass: 'A', zones: [{ id: 'z3', level: 'key', timeLimitClass: 'A' }] });
  });

  it('suggests up to 5 open duplicates of the same kind and minor, nearest first then newest', async () => {
    const at = { lon: 109.4601, lat: 24.2801 };
    const minor = '0503';
    const ids: string[] = [];
    // 6 earlier reports: two at the same spot, others 10–60 m east, one 150 m away (too far), one of another minor
    for (const [dx, m] of [[0, minor], [0, minor], [10, minor], [20, minor], [40, minor], [60, minor], [150, minor], [5, '0504']] as const) {
      const r = await api.report({ ...vendor({ lon: at.lon + dx / 101_500, lat: at.lat }), minor: m });
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    const r = await api.report({ ...vendor(at), minor });
    const dups = r.body.possibleDuplicates;
    expect(dups.map((d: { id: string }) => d.id)).toEqual([ids[1], ids[0], ids[2], ids[3], ids[4]]); // same spot: newest first
    expect(dups[0].distance).toBe(0);
    expect(dups[2].distance).toBeGreaterThan(8);
    expect(dups[2].distance).toBeLessThan(12);
    expect(dups.every((d: { status: string }) => d.status === 'reported')).toBe(true);
    const types = (await t.db.pool.query(`SELECT type, payload FROM case_events WHERE case_id = $1 ORDER BY id`, [r.body.id])).rows;
    expect(types.map((e) => e.type)).toEqual(['case.created', 'case.duplicate-suggested']);
    expect(types[1].payload.duplicates).toHaveLength(5);
    // the 60 m report sees its neighbours but never the 150 m one or the other minor
    const detail = await api.get(`/api/cases/${ids[5]}`);
    expect(detail.body.possibleDuplicates.map((d: { id: string }) => d.id)).toEqual([ids[4], ids[3], ids[2], ids[1], ids[0]]);
  });

  it('replays the first response for a retried Idempotency-Key and creates nothing', async () => {
    const body = vendor(ALLEY, { minor: '0505' });
    const first = await api.report(body, TOKENS.collector, { 'idempotency-key': 'k-123' });
    expect(first.status).toBe(201);
    const n = await counts(t.db.pool);
    const again = await api.report({ ...body }, TOKENS.collector, { 'idempotency-key': 'k-123' });
    expect(again.status).toBe(201);
    expect(again.raw).toBe(first.raw);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await counts(t.db.pool)).toEqual(n);
    // the same key for another body is refused; another user may use the same key
    const other = await api.report({ ...body, description: '别的' }, TOKENS.collector, { 'idempotency-key': 'k-123' });
    expect(other).toMatchObject({ status: 422, body: { field: 'Idempotency-Key' } });
    const op = await api.report(body, TOKENS.operator, { 'idempotency-key': 'k-123' });
    expect(op.status).toBe(201);
    expect(op.body.id).not.toBe(first.body.id);
  });

  it('two concurrent requests with one Idempotency-Key create one case and answer alike', async () => {
    const before = await counts(t.db.pool);
    const body = vendor(ALLEY, { minor: '0506' });
    const [a, b] = await Promise.all([0, 1].map(() => api.report(body, TOKENS.collector, { 'idempotency-key': 'race-1' })));
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.raw).toBe(b.raw);
    const after = await counts(t.db.pool);
    expect(after.cases - before.cases).toBe(1);
    expect(after.keys - before.keys).toBe(1);
  });

  it('refuses bad reports with 422 naming the field and writes nothing', async () => {
    const before = await counts(t.db.pool);
    const cases: [Record<string, unknown>, string][] = [
      [{ ...vendor(ALLEY), description: undefined }, 'description'],
      [{ ...vendor(ALLEY), description: '   ' }, 'description'],
      [{ ...vendor(ALLEY), lon: undefined }, 'lon'],
      [{ ...vendor(ALLEY), lat: 'north' }, 'lat'],
      [{ ...vendor(ALLEY), source: 'rumour' }, 'source'],
      [{ ...vendor(ALLEY), minor: '05x1' }, 'minor'],
      [{ ...vendor(ALLEY), minor: '0588' }, 'minor'], // unknown code
      [{ ...vendor(ALLEY), kind: 'event', minor: '0119' }, 'kind'], // 0119 is a component category only
      [{ ...vendor({ lon: 109.6, lat: 24.27 }) }, 'lon/lat'], // ~10 km east of the county
      [{ ...vendor({ lon: 109.5006, lat: 24.27 }) }, 'lon/lat'], // ~60 m outside: beyond the 50 m tolerance
      [{ ...vendor(ALLEY), reportedAt: 'yesterday' }, 'reportedAt'],
      [{ ...vendor(ALLEY), reportedAt: new Date(Date.now() + 3 * 3600_000).toISOString() }, 'reportedAt'],
      [{ ...vendor(ALLEY), componentId: '4502030101000001' }, 'componentId'], // an event has no component
      [{ ...vendor(ALLEY), kind: 'component', minor: '0101', componentId: '4502030102000001' }, 'componentId'], // wrong minor digits
      [{ ...vendor(ALLEY), photos: ['a', { url: 'b' }] }, 'photos.1'],
    ];
    for (const [body, field] of cases) {
      const r = await api.report(body);
      expect({ body, status: r.status, field: r.body.field }).toEqual({ body, status: 422, field });
      expect(r.body.message).toContain(field);
    }
    const bad = await api.report(vendor(ALLEY), TOKENS.collector, { 'idempotency-key': 'x'.repeat(201) });
    expect(bad.body.field).toBe('Idempotency-Key');
    expect(await counts(t.db.pool)).toEqual(before);
    // a point just outside the boundary but within the tolerance is accepted, with its nearest community and grid
    const edge = await api.report(vendor({ lon: 109.5002, lat: 24.27 }));
    expect(edge.status).toBe(201);
    expect(edge.body).toMatchObject({ communityCode: '450203001002', gridCode: '45020300100201' });
  });

  it('refuses invalid JSON and oversize bodies with a 4xx, writing nothing', async () => {
    const before = await counts(t.db.pool);
    const post = (payload: string) => app.inject({ method: 'POST', url: '/api/cases', payload, headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.collector}` } });
    const bad = await post('{"source": "patrol", "kind": ');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/JSON/i);
    expect((await post(JSON.stringify({ ...vendor(ALLEY), description: 'x'.repeat(6 * 1024 * 1024) }))).statusCode).toBe(413);
    expect(await counts(t.db.pool)).toEqual(before);
  });

  it('handles a burst of concurrent reports (batched statements): gap-free serials, bad ones refused alone', async () => {
    const before = await counts(t.db.pool);
    const burst = Array.from({ length: 60 }, (_, i) => {
      if (i % 15 === 7) return api.report(vendor({ lon: 109.6, lat: 24.27 })); // outside: 422
      if (i % 20 === 3) return api.report(vendor(ALLEY, { minor: '0508' }), TOKENS.collector, { 'idempotency-key': 'burst' });
      return api.report(vendor({ lon: 109.451 + i * 0.0007, lat: 24.297 }, { minor: '0509' }));
    });
    const results = await Promise.all(burst);
    const created = results.filter((r) => r.status === 201);
    expect(results.filter((r) => r.status === 422).every((r) => r.body.field === 'lon/lat')).toBe(true);
    expect(results.filter((r) => r.status === 422)).toHaveLength(4);
    expect(results.filter((r) => r.status !== 201 && r.status !== 422)).toEqual([]);
    const keyed = results.filter((_, i) => i % 20 === 3 && i % 15 !== 7);
    expect(new Set(keyed.map((r) => r.raw)).size).toBe(1); // one case for the key, the same answer to all three
    const ids = new Set(created.map((r) => r.body.id));
    expect(ids.size).toBe(60 - 4 - 2);
    const after = await counts(t.db.pool);
    expect(after.cases - before.cases).toBe(ids.size);
    // serials: one per case, plus at most one per losing duplicate of the key (taken before the key conflict showed)
    expect(after.serials - before.serials).toBeGreaterThanOrEqual(ids.size);
    expect(after.serials - before.serials).toBeLessThanOrEqual(ids.size + 2);
  });

  it('accepts GCJ-02 coordinates, converting them to WGS84', async () => {
    const r = await api.report({ ...vendor(ALLEY), minor: '0507', crs: 'gcj02' });
    expect(r.status).toBe(201);
    // GCJ-02 is offset by a few hundred metres in China: the stored WGS84 point differs
    expect(Math.abs(r.body.lon - ALLEY.lon) + Math.abs(r.body.lat - ALLEY.lat)).toBeGreaterThan(0.001);
  });

  it('needs a token to report (401) and a reporting role (403)', async () => {
    const before = await counts(t.db.pool);
    expect((await api.report(vendor(ALLEY), null as unknown as string)).status).toBe(401);
    for (const role of ['display', 'dispatcher', 'department', 'analyst', 'manager'] as const) {
      expect((await api.report(vendor(ALLEY), TOKENS[role])).status).toBe(403);
    }
    expect((await api.get('/api/cases', null)).status).toBe(401);
    expect(await counts(t.db.pool)).toEqual(before);
  });

  it('lists cases as GeoJSON with filters and cursor paging, newest first', async () => {
    const all = await api.get('/api/cases?limit=5000');
    expect(all.status).toBe(200);
    expect(all.body.type).toBe('FeatureCollection');
    const total = (await counts(t.db.pool)).cases;
    expect(all.body.features).toHaveLength(total);
    const f0 = all.body.features[0];
    expect(f0).toMatchObject({ type: 'Feature', geometry: { type: 'Point' }, properties: { id: f0.id, status: 'reported' } });
    const times = all.body.features.map((f: { properties: { reportedAt: string } }) => f.properties.reportedAt);
    expect([...times].sort().reverse()).toEqual(times);

    // paging visits every case once
    const seen: string[] = [];
    let url: string | undefined = '/api/cases?limit=4';
    while (url) {
      const page = await api.get(url);
      expect(page.status).toBe(200);
      seen.push(...page.body.features.map((f: { id: string }) => f.id));
      url = page.body.next;
    }
    expect(seen).toEqual(all.body.features.map((f: { id: string }) => f.id));

    const filtered = async (q: string) => (await api.get(`/api/cases?${q}`)).body.features.map((f: { properties: Record<string, unknown> }) => f.properties);
    expect((await filtered('minor=0503')).length).toBe(8);
    expect((await filtered('minor=0503&bbox=109.46,24.28,109.46025,24.2802')).length).toBe(4); // the 0, 0 and 10 m reports and the last one
    expect((await filtered('grid=45020300100201')).every((p: Record<string, unknown>) => p.gridCode === '45020300100201')).toBe(true);
    expect((await filtered('district=450203001002')).every((p: Record<string, unknown>) => p.communityCode === '450203001002')).toBe(true);
    expect((await filtered('source=hotline')).map((p: Record<string, unknown>) => p.source)).toEqual(['hotline']);
    expect((await filtered('status=closed,voided')).length).toBe(0);
    expect((await filtered('kind=component')).length).toBe(0);
    expect((await filtered('major=05')).length).toBe(total - 1); // all but the 0102 report
    expect((await filtered(`from=2025-03-03T16:00:00Z&to=2025-03-04T16:00:00Z`)).length).toBe(3);
    expect((await api.get('/api/cases?status=bogus')).status).toBe(400);
    expect((await api.get('/api/cases?bbox=1,2,3')).status).toBe(400);
    expect((await api.get('/api/cases?cursor=bm9wZQ')).status).toBe(400);
    expect((await api.get('/api/cases/123')).status).toBe(404);
    expect((await api.get('/api/cases/4502032025010199999')).status).toBe(404);
  });
});
