/**
 * GET /api/analysis/hotspots and /api/analysis/emerging on synthetic cases in the mini city, on the embedded
 * database and on the real PostGIS server: zero cells kept, only in-area cases counted, filters, a planted
 * cluster, defaults, bad parameters, cache invalidation, and emerging categories of planted clusters.
 * Cases are inserted with SQL (generate_series), independent of intake and of the demo city.
 */
import fs from 'node:fs';
import { booleanPointInPolygon } from '@turf/turf';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { cellOf } from '../../api/analysis/hotspots/cells.ts';
import { DEMO_CITY_DIR, loadDemoCity } from '../../api/demo/load.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';
import { loadMiniCity } from '../helpers/mini-city.ts';

const SRID = 32649;
const AUTH = { authorization: 'Bearer demo-manager' };
/** the planted cluster, west community */
const P = { lon: 109.46, lat: 24.26 };
const M_LON = 1 / (111_320 * Math.cos((24.275 * Math.PI) / 180));
const M_LAT = 1 / 110_757;

/**
 * 625 background events on a grid over the county (d1, patrol, 0501, one month each of 2025), 121 events of 0502
 * within ±25 m of P (d2, hotline), 40 components at (109.49, 24.29), 50 events east of the county, 30 voided
 * events at (109.48, 24.27), and 20 events 20 m east of the county's edge: inside its bounding box (and in cells
 * that straddle the edge) but outside it. Street and community codes from the polygons, like intake.
 */
const CASES_SQL = `
INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
SELECT 'bg' || i || '-' || j, '450203', 'patrol', 'event', '05', '0501', 'registered', 'd1',
       timestamptz '2025-01-15 10:00+08' + ((i + j) % 12) * interval '1 month', ST_SetSRID(ST_MakePoint(109.451 + i * 0.0019, 24.251 + j * 0.0019), 4326)
FROM generate_series(0, 24) i, generate_series(0, 24) j;
INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
SELECT 'p' || k, '450203', 'hotline', 'event', '05', '0502', 'registered', 'd2',
       timestamptz '2025-01-10 09:00+08' + (k % 12) * interval '1 month',
       ST_SetSRID(ST_MakePoint(${P.lon} + ((k % 11) - 5) * 5 * ${M_LON}, ${P.lat} + ((k / 11) - 5) * 5 * ${M_LAT}), 4326)
FROM generate_series(0, 120) k;
INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
SELECT 'c' || k, '450203', 'patrol', 'component', '01', '0101', 'registered', 'd1', timestamptz '2025-06-01 10:00+08', ST_SetSRID(ST_MakePoint(109.49, 24.29), 4326)
FROM generate_series(1, 40) k;
INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
SELECT 'out' || k, '450203', 'patrol', 'event', '05', '0501', 'registered', 'd1', timestamptz '2025-06-01 10:00+08', ST_SetSRID(ST_MakePoint(109.52, 24.27 + k * 0.0001), 4326)
FROM generate_series(1, 50) k;
INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
SELECT 'v' || k, '450203', 'patrol', 'event', '05', '0501', 'voided', 'd1', timestamptz '2025-06-01 10:00+08', ST_SetSRID(ST_MakePoint(109.48, 24.27), 4326)
FROM generate_series(1, 30) k;
INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
SELECT 'edge' || k, '450203', 'patrol', 'event', '05', '0501', 'registered', 'd1', timestamptz '2025-06-01 10:00+08', ST_SetSRID(ST_MakePoint(109.5002, 24.26 + k * 0.002), 4326)
FROM generate_series(1, 20) k;
`;

/**
 * Emerging-hotspot data, minor 0601 only (the tests filter on it): a sparse background every month of 2025, an
 * intensifying cluster at S (30 + 3t cases in month t) and a new one at U (60 cases in December only).
 */
const S = { lon: 109.47, lat: 24.28 };
const U = { lon: 109.49, lat: 24.26 };
const EMERGING_SQL = `
INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
SELECT 'eb' || t || '-' || i || '-' || j, '450203', 'patrol', 'event', '06', '0601', 'registered', 'd1',
       timestamptz '2025-01-05 10:00+08' + t * interval '1 month', ST_SetSRID(ST_MakePoint(109.452 + i * 0.0024, 24.252 + j * 0.0021), 4326)
FROM generate_series(0, 11) t, generate_series(0, 19) i, generate_series(0, 19) j WHERE (i * 7 + j * 3 + t * 3) % 5 = 0;
INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
SELECT 'es' || t || '-' || k, '450203', 'patrol', 'event', '06', '0601', 'registered', 'd1',
       timestamptz '2025-01-08 10:00+08' + t * interval '1 month', ST_SetSRID(ST_MakePoint(${S.lon}, ${S.lat}), 4326)
FROM generate_series(0, 11) t, generate_series(1, 30 + 3 * t) k;
INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
SELECT 'eu' || k, '450203', 'patrol', 'event', '06', '0601', 'registered', 'd1', timestamptz '2025-12-10 10:00+08', ST_SetSRID(ST_MakePoint(${U.lon}, ${U.lat}), 4326)
FROM generate_series(1, 60) k;
`;

const CODES_SQL = `UPDATE cases c SET
  street_code = (SELECT code FROM districts d WHERE d.level = 'street' AND ST_Intersects(d.geom, c.geom) ORDER BY code LIMIT 1),
  community_code = (SELECT code FROM districts d WHERE d.level = 'community' AND ST_Intersects(d.geom, c.geom) ORDER BY code LIMIT 1)`;

const DATABASES: [string, boolean][] = [['embedded PGlite', true], ...(serverUrl ? [['PostgreSQL server', false] as [string, boolean]] : [])];

describe.each(DATABASES)('hotspot analyses on %s', (_name, embedded) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  const q = async <T = any>(sql: string, params: unknown[] = []) => (await t.db.pool.query(sql, params)).rows as T[];
  const get = async (path: string, headers: Record<string, string> = AUTH) => {
    const res = await app.inject({ url: path, headers });
    return { status: res.statusCode, cache: res.headers['x-analysis-cache'], body: res.json() };
  };
  /** in-area, not voided, passing `where`: the count the analysis must report */
  const expected = async (where = 'true') =>
    Number((await q(`SELECT count(*) AS n FROM cases c, districts d WHERE d.level = 'county' AND c.status <> 'voided'
      AND ST_Intersects(ST_Transform(d.geom, ${SRID}), ST_Transform(c.geom, ${SRID})) AND c.minor <> '0601' AND (${where})`))[0].n);

  beforeAll(async () => {
    t = await createTestDatabase({ embedded });
    await loadMiniCity(t.db.pool, ['districts', 'zones'], SRID);
    await t.db.pool.query(`INSERT INTO departments (id, name) VALUES ('d2', '环卫处') ON CONFLICT DO NOTHING`);
    await t.db.pool.query(CASES_SQL);
    await t.db.pool.query(EMERGING_SQL);
    await t.db.pool.query(CODES_SQL);
    app = await buildApp({ db: t.db, config: { ...t.config, demoTokens: true } });
    // stored repeat-case groups of March 2025 (the planted cluster's ten cases of that month), for the hot areas
    const rebuilt = await app.inject({ method: 'POST', url: '/api/analysis/repeats/recompute', headers: AUTH, payload: { at: '2025-03-15' } });
    expect(rebuilt.statusCode).toBe(200);
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  const NOT_E = 'minor=0501,0502,0101'; // everything but the emerging data set

  it('keeps every cell that intersects the study area, zeros included, on the cellSize lattice', async () => {
    const { status, body } = await get(`/api/analysis/hotspots?cellSize=250&band=750&${NOT_E}`);
    expect(status).toBe(200);
    const grid = await q<{ i: number; j: number }>(`SELECT s.i, s.j FROM (SELECT ST_Transform(geom, ${SRID}) AS g FROM districts WHERE level = 'county') a,
      ST_SquareGrid(250, a.g) s WHERE ST_Intersects(a.g, s.geom)`);
    const cells = body.cells.features;
    expect(cells.length).toBe(grid.length);
    expect(new Set(cells.map((f: any) => `${f.properties.col},${f.properties.row}`))).toEqual(new Set(grid.map((g) => `${g.i},${g.j}`)));
    expect(body.parameters.summary.cells).toBe(grid.length);
    const zeros = cells.filter((f: any) => f.properties.count === 0).length;
    expect(zeros).toBeGreaterThan(0);
    expect(body.parameters.summary.zeroCells).toBe(zeros);
    const f = cells[0];
    expect(Object.keys(f.properties).sort()).toEqual(['bin', 'col', 'count', 'edge', 'neighbors', 'p', 'row', 'z']);
    expect(f.geometry.type).toBe('Polygon');
    // a 250 m cell's corner in WGS84 is on the lattice: col·250 in UTM
    const corner = (await q(`SELECT ST_X(p) AS x, ST_Y(p) AS y FROM ST_Transform(ST_SetSRID(ST_MakePoint($1::float8, $2::float8), 4326), ${SRID}) p`, f.geometry.coordinates[0][0]))[0];
    expect(corner.x).toBeCloseTo(f.properties.col * 250, 1); // 7 decimals of a degree ≈ 1 cm
    expect(corner.y).toBeCloseTo(f.properties.row * 250, 1);
    // neighbours: a 750 m band holds 29 cells (self included) inside, fewer at the edge
    expect(Math.max(...cells.map((c: any) => c.properties.neighbors))).toBe(29);
    expect(cells.every((c: any) => c.properties.edge === c.properties.neighbors - 1 < 8)).toBe(true);
  });

  it('counts only the in-area, non-voided cases, each in the cell of its UTM coordinates', async () => {
    for (const cell of ['square', 'hex'] as const) {
      const { body } = await get(`/api/analysis/hotspots?cell=${cell}&cellSize=250&band=750&${NOT_E}`);
      const total = body.cells.features.reduce((s: number, f: any) => s + f.properties.count, 0);
      expect(total).toBe(await expected());
      expect(total).toBe(625 + 121 + 40); // none of the 70 outside nor the 30 voided
      expect(body.parameters.summary.cases).toBe(total);
      // the same buckets from the points themselves, with the TypeScript cell functions
      const pts = await q<{ x: number; y: number }>(`SELECT ST_X(p) AS x, ST_Y(p) AS y FROM cases c, districts d,
        ST_Transform(c.geom, ${SRID}) p WHERE d.level = 'county' AND c.status <> 'voided' AND c.minor <> '0601' AND ST_Intersects(ST_Transform(d.geom, ${SRID}), p)`);
      const mine = new Map<string, number>();
      for (const { x, y } of pts) {
        const k = cellOf(cell, x, y, 250).join(',');
        mine.set(k, (mine.get(k) ?? 0) + 1);
      }
      const [ka, kb] = cell === 'square' ? ['col', 'row'] : ['q', 'r'];
      const theirs = new Map<string, number>(body.cells.features.filter((f: any) => f.properties.count > 0).map((f: any) => [`${f.properties[ka]},${f.properties[kb]}`, f.properties.count]));
      expect(theirs).toEqual(mine);
      const keys = body.cells.features.map((f: any) => `${f.properties[ka]},${f.properties[kb]}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it('respects the filters', async () => {
    const total = async (qs: string) => (await get(`/api/analysis/hotspots?cellSize=250&band=750&${qs}`)).body.parameters.summary.cases;
    expect(await total(`kind=component`)).toBe(await expected(`c.kind = 'component'`));
    expect(await total(`kind=component`)).toBe(40);
    expect(await total(`minor=0502`)).toBe(121);
    expect(await total(`major=01`)).toBe(40);
    expect(await total(`source=hotline`)).toBe(121);
    expect(await total(`department=d2`)).toBe(121);
    expect(await total(`${NOT_E}&district=450203001001`)).toBe(await expected(`c.community_code = '450203001001'`));
    expect(await total(`${NOT_E}&district=450203001`)).toBe(625 + 121 + 40);
    expect(await total(`${NOT_E}&from=2025-03-01&to=2025-04-01`)).toBe(await expected(`c.reported_at >= '2025-03-01T00:00+08' AND c.reported_at < '2025-04-01T00:00+08'`));
    // a district as the study area: cells and cases of the east community only
    const east = await get(`/api/analysis/hotspots?cellSize=250&band=750&${NOT_E}&area=district:450203001002`);
    expect(east.body.parameters.area).toBe('district:450203001002');
    expect(east.body.parameters.summary.cases).toBe(await expected(`ST_Intersects(ST_Transform((SELECT geom FROM districts WHERE code = '450203001002'), ${SRID}), ST_Transform(c.geom, ${SRID}))`));
    const zone = await get(`/api/analysis/hotspots?cellSize=100&band=300&area=zone:z1&${NOT_E}`);
    expect(zone.status).toBe(200);
    expect(zone.body.parameters.summary.cells).toBeGreaterThan(100);
  });

  it('finds the planted cluster: its cell is bin 3 and it is one hot area with its statistics', async () => {
    const { body } = await get(`/api/analysis/hotspots?cellSize=250&band=750&${NOT_E}`);
    const [x, y] = (await q(`SELECT ST_X(p) AS x, ST_Y(p) AS y FROM ST_Transform(ST_SetSRID(ST_MakePoint(${P.lon}, ${P.lat}), 4326), ${SRID}) p`)).map((r) => [r.x, r.y])[0];
    const [col, row] = cellOf('square', x, y, 250);
    const cell = body.cells.features.find((f: any) => f.properties.col === col && f.properties.row === row);
    expect(cell.properties.bin).toBe(3);
    expect(cell.properties.z).toBeGreaterThan(3);
    const areas = body.areas.features;
    expect(areas).toHaveLength(1);
    const a = areas[0];
    expect(['Polygon', 'MultiPolygon']).toContain(a.geometry.type);
    expect(booleanPointInPolygon([P.lon, P.lat], a)).toBe(true);
    expect(a.properties.cases).toBeGreaterThanOrEqual(121);
    expect(a.properties.bin).toBe(3);
    expect(a.properties.topMinors[0]).toMatchObject({ kind: 'event', code: '0502', count: 121 });
    expect(a.properties.departments.find((d: any) => d.id === 'd2')).toMatchObject({ name: '环卫处', count: 121 });
    expect(a.properties.sources.reduce((s: number, x: any) => s + x.count, 0)).toBe(a.properties.cases);
    expect(a.properties.trend.series).toHaveLength(12); // the months of the counted cases, 2025-01 … 2025-12
    expect(a.properties.trend.series.reduce((s: number, m: any) => s + m.count, 0)).toBe(a.properties.cases);
    expect(a.properties.trend.direction).toBe('none');
    expect(a.properties.repeatGroups.length).toBeGreaterThan(0); // the next test checks them
    expect(body.parameters.summary.areas).toBe(1);
  });

  it("lists the stored repeat groups reached in a hot area, in the area's time window", async () => {
    const reached = await q<{ id: string; lon: number; lat: number; n: number }>(`SELECT g.id, ST_X(g.anchor_geom) AS lon, ST_Y(g.anchor_geom) AS lat,
        (SELECT count(*) FROM cases c WHERE c.repeat_group_id = g.id AND c.district_code = g.district_code AND c.status <> 'voided')::int AS n
      FROM repeat_groups g WHERE g.reached_at IS NOT NULL ORDER BY g.id`);
    expect(reached.length, 'the cluster forms reached groups in March').toBeGreaterThan(0);
    const groupsOf = async (qs: string) => {
      const { status, body } = await get(`/api/analysis/hotspots?cellSize=250&${qs}`);
      expect(status).toBe(200);
      // the cluster's area (a short window leaves other, chance areas beside it)
      const at = body.areas.features.filter((f: any) => booleanPointInPolygon([P.lon, P.lat], f));
      expect(at).toHaveLength(1);
      return at[0];
    };
    const a = await groupsOf(`band=750&${NOT_E}`);
    // every reached group anchored in the area, each with its members among the analysed cases (all of them here)
    const inside = reached.filter((g) => booleanPointInPolygon([g.lon, g.lat], a));
    expect(inside.length).toBeGreaterThan(0);
    const listed = a.properties.repeatGroups;
    expect(listed.map((g: any) => g.id).sort()).toEqual(inside.map((g) => g.id));
    expect(a.properties.repeatGroupsTotal).toBe(inside.length);
    for (const g of listed) {
      const want = inside.find((x) => x.id === g.id)!;
      expect(g).toMatchObject({ kind: 'event', minor: '0502', period: '2025-03', cases: want.n, size: want.n });
      expect(g.size).toBeGreaterThanOrEqual(g.threshold);
      expect(g.reachedAt >= g.anchorAt).toBe(true);
      expect(g.lon).toBeCloseTo(want.lon, 6);
    }
    expect(a.properties.repeatCases).toBe(inside.reduce((s, g) => s + g.n, 0));
    // the window: March lists them, a window without their members does not (a band of one cell: a month's ten
    // cluster cases are not significant after FDR when 29 cells are pooled)
    const ids = inside.map((g) => g.id);
    expect((await groupsOf(`band=250&${NOT_E}&from=2025-03-01&to=2025-04-01`)).properties.repeatGroups.map((g: any) => g.id).sort()).toEqual(ids);
    expect((await groupsOf(`band=250&${NOT_E}&from=2025-01-01&to=2025-07-01`)).properties.repeatGroups.map((g: any) => g.id).sort()).toEqual(ids);
    expect((await groupsOf(`band=250&${NOT_E}&from=2025-04-01&to=2026-01-01`)).properties.repeatGroups).toEqual([]);
    // filters the members pass keep them (the cluster is hot on its own)
    expect((await groupsOf(`band=750&minor=0502&source=hotline&department=d2`)).properties.repeatGroupsTotal).toBe(inside.length);
    // a rebuild of the stored groups is a change for the cache
    const url = `/api/analysis/hotspots?cellSize=250&band=750&${NOT_E}`;
    expect((await get(url)).cache).toBe('hit');
    const rebuilt = await app.inject({ method: 'POST', url: '/api/analysis/repeats/recompute', headers: AUTH, payload: { at: '2025-03-15' } });
    expect(rebuilt.statusCode).toBe(200);
    const again = await get(url);
    expect(again.cache).toBe('miss');
    expect(again.body.areas.features.find((f: any) => booleanPointInPolygon([P.lon, P.lat], f)).properties.repeatGroupsTotal).toBe(inside.length);
  });

  it('chooses cell size and band from the data and says how', async () => {
    const { status, body } = await get(`/api/analysis/hotspots?${NOT_E}`);
    expect(status).toBe(200);
    const { chosen, cellSize, band } = body.parameters;
    expect(chosen.cellSize).toMatchObject({ source: 'data', method: 'nearest-neighbour', value: cellSize });
    expect(chosen.cellSize.reason).toMatch(/mean nearest-neighbour distance/);
    expect(chosen.band.source).toBe('data');
    expect(['moran-first-peak', 'knn']).toContain(chosen.band.method);
    expect(chosen.band.moran.length).toBeGreaterThan(2);
    expect(band).toBeGreaterThanOrEqual(cellSize);
    expect(chosen.srid).toMatchObject({ value: SRID, source: 'data' });
    // given values are reported as given
    const given = await get(`/api/analysis/hotspots?cellSize=200&${NOT_E}`);
    expect(given.body.parameters.chosen.cellSize).toMatchObject({ value: 200, source: 'request' });
    expect(given.body.parameters.chosen.band.source).toBe('data');
  });

  it('refuses bad parameters with 400 naming the parameter', async () => {
    const cases: [string, string][] = [
      ['cellSize=0', 'cellSize'],
      ['cellSize=-250', 'cellSize'],
      ['cellSize=1e9', 'cellSize'],
      ['cellSize=1', 'cellSize'], // millions of cells: over HOTSPOT_MAX_CELLS
      ['band=0', 'band'],
      ['band=1e9', 'band'],
      ['cellSize=250&band=100', 'band'],
      ['srid=4326', 'srid'],
      ['srid=4490', 'srid'],
      ['srid=999999', 'srid'],
      ['srid=2263', 'srid'], // US feet
      ['from=2025-06-01&to=2025-01-01', 'from'],
      ['area=district:999999', 'area'],
      ['area=zone:nowhere', 'area'],
      ['area=everywhere', 'area'],
      ['department=nobody', 'department'],
      ['district=450299', 'district'],
      ['cell=triangle', 'cell'],
      ['cellsize=250', 'cellsize'],
    ];
    for (const [qs, parameter] of cases) {
      const res = await get(`/api/analysis/hotspots?${qs}`);
      expect({ qs, status: res.status, parameter: res.body.parameter }).toEqual({ qs, status: 400, parameter });
      expect(res.body.message).toContain(parameter);
    }
    const step = await get('/api/analysis/emerging?step=day');
    expect([step.status, step.body.parameter]).toEqual([400, 'step']);
  });

  it('lets managers, analysts and the wall display run analyses, nobody else', async () => {
    expect((await get(`/api/analysis/hotspots?cellSize=250&band=750`, {})).status).toBe(401);
    expect((await get(`/api/analysis/hotspots?cellSize=250&band=750`, { authorization: 'Bearer demo-collector' })).status).toBe(403);
    expect((await get(`/api/analysis/hotspots?cellSize=250&band=750`, { authorization: 'Bearer demo-department' })).status).toBe(403);
    expect((await get(`/api/analysis/hotspots?cellSize=250&band=750`, { authorization: 'Bearer demo-display' })).status).toBe(200);
    expect((await get(`/api/analysis/emerging?cellSize=250&band=750`, { authorization: 'Bearer demo-analyst' })).status).toBe(200);
  });

  it('serves repeats from the cache until a case changes', async () => {
    const url = `/api/analysis/hotspots?cellSize=250&band=500&${NOT_E}`;
    const first = await get(url);
    const again = await get(url);
    expect(again.cache).toBe('hit');
    expect(again.body.parameters.computedAt).toBe(first.body.parameters.computedAt);
    await q(`INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
      VALUES ('new1', '450203', 'patrol', 'event', '05', '0501', 'registered', 'd1', '2025-07-01T10:00+08', ST_SetSRID(ST_MakePoint(109.46, 24.26), 4326))`);
    const after = await get(url);
    expect(after.cache).toBe('miss');
    expect(after.body.parameters.summary.cases).toBe(first.body.parameters.summary.cases + 1);
    // a watched column changes (voiding it) → recomputed; the deadline light does not matter
    await q(`UPDATE cases SET light = 'red' WHERE id = 'new1'`);
    expect((await get(url)).cache).toBe('hit');
    await q(`UPDATE cases SET status = 'voided' WHERE id = 'new1'`);
    const voided = await get(url);
    expect(voided.cache).toBe('miss');
    expect(voided.body.parameters.summary.cases).toBe(first.body.parameters.summary.cases);
  });

  it('classifies emerging hot spots: an intensifying cluster and a new one', async () => {
    const { status, body } = await get('/api/analysis/emerging?step=month&from=2025-01-01&to=2026-01-01&minor=0601&cellSize=250&band=500');
    expect(status).toBe(200);
    expect(body.parameters.steps).toHaveLength(12);
    expect(body.parameters.steps[0]).toBe('2025-01-01');
    expect(body.parameters.summary.cases).toBe(Number((await q(`SELECT count(*) AS n FROM cases WHERE minor = '0601'`))[0].n));
    const at = async (pt: { lon: number; lat: number }) => {
      const [x, y] = (await q(`SELECT ST_X(p) AS x, ST_Y(p) AS y FROM ST_Transform(ST_SetSRID(ST_MakePoint(${pt.lon}, ${pt.lat}), 4326), ${SRID}) p`)).map((r) => [r.x, r.y])[0];
      const [col, row] = cellOf('square', x, y, 250);
      return body.cells.features.find((f: any) => f.properties.col === col && f.properties.row === row).properties;
    };
    const s = await at(S);
    expect(s.category).toBe('intensifying_hot');
    expect(s.counts.every((c: number, i: number) => c >= 30 + 3 * i)).toBe(true);
    expect(s.counts[11] - s.counts[0]).toBeGreaterThanOrEqual(33);
    expect(s.bins.filter((b: number) => b >= 1).length).toBeGreaterThanOrEqual(11);
    expect(s.trendZ).toBeGreaterThan(0);
    expect(s.trendP).toBeLessThanOrEqual(0.05);
    const u = await at(U);
    expect(u.category).toBe('new_hot');
    expect(u.bins.slice(0, 11).every((b: number) => b === 0)).toBe(true);
    expect(u.bins[11]).toBeGreaterThanOrEqual(1);
    expect(body.parameters.summary.categories.intensifying_hot).toBeGreaterThanOrEqual(1);
    // weeks, and the window taken from the data when none is given
    const weeks = await get('/api/analysis/emerging?step=week&from=2025-03-01&to=2025-05-01&minor=0601&cellSize=500&band=1000');
    expect(weeks.status).toBe(200);
    expect(weeks.body.parameters.steps[0]).toBe('2025-02-24'); // the Monday of the week of 1 March
    expect(weeks.body.cells.features[0].properties.bins).toHaveLength(weeks.body.parameters.steps.length);
    const open = await get('/api/analysis/emerging?minor=0601&cellSize=250&band=500&cell=hex');
    expect(open.body.parameters.steps).toEqual(body.parameters.steps);
    expect(open.body.cells.features[0].properties).toHaveProperty('q');
  });

  // the demo city once, on the real server (its 60 000 cases load in seconds there)
  it.runIf(!embedded && fs.existsSync(`${DEMO_CITY_DIR}/cases.csv.gz`))('finds hot areas and emerging hot spots in the demo city', async () => {
    const d = await createTestDatabase();
    try {
      await loadDemoCity(d.db.pool);
      const demo = await buildApp({ db: d.db, config: { ...d.config, demoTokens: true } });
      try {
        const res = await demo.inject({ url: '/api/analysis/hotspots', headers: AUTH });
        expect(res.statusCode).toBe(200);
        const body = res.json();
        expect(body.parameters.chosen.cellSize.source).toBe('data');
        expect(body.parameters.summary.cells).toBeGreaterThan(500);
        expect(body.areas.features.length).toBeGreaterThan(0);
        expect(body.areas.features[0].properties.topMinors.length).toBeGreaterThan(0);
        const em = await demo.inject({ url: '/api/analysis/emerging?step=month', headers: AUTH });
        expect(em.statusCode).toBe(200);
        const cats = em.json().parameters.summary.categories;
        expect(Object.entries(cats).filter(([k, v]) => k.endsWith('_hot') && (v as number) > 0).length).toBeGreaterThan(0);
      } finally {
        await demo.close();
      }
    } finally {
      await d.drop();
    }
  }, 300_000);
});
