import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { importLayer } from '../../api/layers/import.ts';
import { loadTaxonomy } from '../../api/taxonomy/load.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';
import { insertMiniDepartments, miniCity } from '../helpers/mini-city.ts';
import { caseId, plantCases, type PlantedCase } from '../helpers/plant.ts';

const SRID = 32649;
const AUTH = { authorization: 'Bearer demo-manager' };
const Z1 = { lon: 109.4725, lat: 24.2725 }; // 阳和广场严禁区 (prohibited, governs event:0501), grid …0101
const R1 = { lon: 109.46, lat: 24.26 }; // restricted, 06:00–09:00 allowed, grid …0101
const K1 = { lon: 109.49, lat: 24.29 }; // key area, grid …0202
const OUT = { lon: 109.49, lat: 24.26 }; // no zone, grid …0201
const local = (day: number, hh: number) => `2026-01-${String(day).padStart(2, '0')}T${String(hh).padStart(2, '0')}:00:00+08:00`;

function planted(): PlantedCase[] {
  let n = 0;
  const c = (p: { lon: number; lat: number }, o: Partial<PlantedCase> & { day?: number; hh?: number } = {}): PlantedCase => {
    const { day = 10, hh = 12, ...rest } = o;
    return { id: caseId(`2026-01-${String(day).padStart(2, '0')}`, ++n), ...p, at: local(day, hh), ...rest };
  };
  const zonesZ1 = (violation: boolean) => [{ id: 'z1', level: 'prohibited', ...(violation ? { violation: true } : {}) }];
  return [
    c(Z1, { minor: '0501', zones: zonesZ1(true), zoneViolation: 'prohibited' }),
    c(Z1, { minor: '0501', zones: zonesZ1(true), zoneViolation: 'prohibited', day: 11 }),
    c(Z1, { minor: '0501', zones: zonesZ1(true), zoneViolation: 'prohibited', department: 'd2' }),
    c(Z1, { minor: '0102', zones: zonesZ1(false) }),
    c(Z1, { minor: '0102', zones: zonesZ1(false), day: 12 }),
    c(Z1, { minor: '0501', zones: zonesZ1(true), zoneViolation: 'prohibited', status: 'voided' }), // not counted
    // in the allowed hours (07:00) no violation; at noon a violation (recorded without the zone mark, as an import would)
    c(R1, { minor: '0501', zones: [{ id: 'r1', level: 'restricted' }], hh: 7 }),
    c(R1, { minor: '0501', zones: [{ id: 'r1', level: 'restricted' }], zoneViolation: 'restricted', department: 'd2' }),
    c(R1, { minor: '0102', zones: [{ id: 'r1', level: 'restricted' }] }),
    c(K1, { zones: [{ id: 'k1', level: 'key' }] }),
    c(K1, { zones: [{ id: 'k1', level: 'key' }], day: 13 }),
    ...[1, 2, 3, 4].map(() => c(OUT)),
    // February: outside the range
    { id: caseId('2026-02-02', 1), ...Z1, minor: '0501', at: '2026-02-02T12:00:00+08:00', zones: zonesZ1(true), zoneViolation: 'prohibited' },
  ];
}

describe.each([
  ['embedded PGlite', true] as const,
  ...(serverUrl ? [['PostgreSQL server', false] as const] : []),
])('zone analysis on %s', (_name, embedded) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  const range = [new Date('2026-01-01T00:00:00+08:00'), new Date('2026-02-01T00:00:00+08:00')];
  beforeAll(async () => {
    t = await createTestDatabase({ embedded });
    const { pool } = t.db;
    await insertMiniDepartments(pool);
    await pool.query(`INSERT INTO departments (id, name) VALUES ('d2', '环卫处')`);
    for (const layer of ['districts', 'grids', 'roads', 'zones'] as const) expect((await importLayer(pool, layer, miniCity[layer], { analysisSrid: SRID })).rejected).toEqual([]);
    await pool.query(`INSERT INTO zones (id, name, level, windows, governed_minors, geom) VALUES
      ('r1', '农贸市场限制管理区', 'restricted', '[{"from":"06:00","to":"09:00"}]', '{event:0501}', ST_Multi(ST_MakeEnvelope(109.455, 24.255, 109.465, 24.265, 4326))),
      ('k1', '重点区域', 'key', '[]', '{}', ST_Multi(ST_MakeEnvelope(109.485, 24.285, 109.495, 24.295, 4326))),
      ('e1', '空区域', 'prohibited', '[]', '{event:0501}', ST_Multi(ST_MakeEnvelope(109.451, 24.251, 109.452, 24.252, 4326)))`);
    await loadTaxonomy(pool);
    await plantCases(pool, planted());
    app = await buildApp({ db: t.db, config: t.config });
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  const get = async (qs: string, a: FastifyInstance = app) => {
    const res = await a.inject({ url: `/api/analysis/zones?${qs}`, headers: AUTH });
    return { status: res.statusCode, body: res.json() };
  };

  it('counts cases per zone as a direct spatial join does', async () => {
    const { status, body } = await get('from=2026-01-01&to=2026-02-01');
    expect(status).toBe(200);
    const { rows } = await t.db.pool.query(
      `SELECT z.id, count(c.id)::int AS n FROM zones z LEFT JOIN cases c ON ST_Intersects(z.geom, c.geom)
          AND c.reported_at >= $1 AND c.reported_at < $2 AND c.status <> 'voided' GROUP BY z.id ORDER BY z.id`, range);
    const got = Object.fromEntries(body.zones.map((z: any) => [z.id, z.cases]));
    expect(got).toEqual(Object.fromEntries(rows.map((r) => [r.id, r.n])));
    expect(got).toEqual({ z1: 5, r1: 3, k1: 2, e1: 0 });
    const z1 = body.zones.find((z: any) => z.id === 'z1');
    expect(z1).toMatchObject({ name: '阳和广场严禁区', level: 'prohibited', violations: 3, rank: 1, highIncidence: true });
    expect(z1.violationsByMinor).toEqual([{ kind: 'event', minor: '0501', name: '无照经营游商', count: 3 }]);
    expect(z1.violationsByDepartment).toEqual([{ id: 'd1', name: '市政设施管理处', count: 2 }, { id: 'd2', name: '环卫处', count: 1 }]);
    expect(body.zones.find((z: any) => z.id === 'r1')).toMatchObject({ violations: 1, highIncidence: false, violationsByDepartment: [{ id: 'd2', name: '环卫处', count: 1 }] });
    expect(body.unattributedViolations).toBe(0);
  });

  it('counts per zone level and violations by minor and department as direct SQL does', async () => {
    const { body } = await get('from=2026-01-01&to=2026-02-01');
    const { rows } = await t.db.pool.query(
      `SELECT zone_violation AS level, department_id AS id, count(*)::int AS n FROM cases
        WHERE reported_at >= $1 AND reported_at < $2 AND status <> 'voided' AND zone_violation IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`, range);
    for (const lv of body.levels) {
      const want = rows.filter((r) => r.level === lv.level).map((r) => ({ id: r.id, n: r.n }));
      expect(lv.violationsByDepartment.map((d: any) => ({ id: d.id, n: d.count })).sort((a: any, b: any) => (a.id < b.id ? -1 : 1)), lv.level).toEqual(want);
      expect(lv.violations).toBe(want.reduce((s, r) => s + r.n, 0));
    }
    const levels = Object.fromEntries(body.levels.map((l: any) => [l.level, { zones: l.zones, cases: l.cases, violations: l.violations }]));
    expect(levels).toEqual({ prohibited: { zones: 2, cases: 5, violations: 3 }, restricted: { zones: 1, cases: 3, violations: 1 }, key: { zones: 1, cases: 2, violations: 0 } });
  });

  it('flags high-incidence unit grids: the top 5 % or above the configured count', async () => {
    const { body } = await get('from=2026-01-01&to=2026-02-01');
    const { rows } = await t.db.pool.query(
      `SELECT grid_code AS code, count(*)::int AS n FROM cases WHERE reported_at >= $1 AND reported_at < $2 AND status <> 'voided' GROUP BY 1 ORDER BY 2 DESC, 1`, range);
    expect(body.grids).toMatchObject({ total: 4, withCases: rows.length, cases: rows.reduce((s, r) => s + r.n, 0), topN: 1 });
    expect(body.grids.highIncidence).toEqual([{ code: rows[0].code, cases: rows[0].n, rank: 1 }]);
    const other = await buildApp({ db: t.db, config: { ...t.config, zonesAnalysis: { highIncidence: { topShare: 0.05, minCount: 2 }, maxRangeDays: 31, utcOffsetMinutes: 480 } } as any });
    try {
      const flagged = (await get('from=2026-01-01&to=2026-02-01', other)).body.grids.highIncidence;
      expect(flagged.map((g: any) => g.code).sort()).toEqual(rows.filter((r) => r.n >= 2).map((r) => r.code).sort());
      expect((await get('from=2026-01-01&to=2026-03-01', other)).body.param).toBe('to'); // 59 days > 31
    } finally {
      await other.close();
    }
  });

  it('refuses bad input with 400 naming the parameter', async () => {
    for (const [qs, param] of [
      ['from=2026-02-01&to=2026-01-01', 'from'], ['from=2026-01-01', 'to'], ['from=yesterday&to=2026-01-01', 'from'],
      ['from=2024-01-01&to=2026-01-01', 'to'], ['from=2026-01-01&to=2026-02-01&zone=z1', 'zone'],
    ]) {
      const { status, body } = await get(qs);
      expect(status, qs).toBe(400);
      expect(body.param, qs).toBe(param);
    }
    expect((await app.inject({ url: '/api/analysis/zones?from=2026-01-01&to=2026-02-01' })).statusCode).toBe(401);
  });
});
