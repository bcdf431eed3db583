import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import gcoord from 'gcoord';
import { buildApp } from '../../api/app.ts';
import { importLayer } from '../../api/layers/import.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { loadMiniCity, miniCity } from '../helpers/mini-city.ts';

// mini city: county 450203 = street 450203001 = west community 001 (W..MID) + east community 002 (MID..E);
// grids 01 (south) and 02 (north) in each, split at HMID
const W = 109.45, E = 109.5, S = 24.25, N = 24.3, MID = 109.475, HMID = 24.275;
const SRID = 32649;
const G101 = '45020300100101', G102 = '45020300100102', G201 = '45020300100201', G202 = '45020300100202';
const ring = (...pts: [number, number][]) => ({ type: 'Polygon', coordinates: [[...pts, pts[0]]] });
const rect = (w: number, s: number, e: number, n: number) => ring([w, s], [e, s], [e, n], [w, n]);
const ANALYST = { authorization: 'Bearer demo-analyst' };

describe('unit grids: validation, writes, history, exchange', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  const q = async (sql: string, params: unknown[] = []) => (await t.db.pool.query(sql, params)).rows;
  const count = async (table: string) => Number((await q(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const versionOf = async (code: string) => (await q(`SELECT version FROM grids WHERE code = $1`, [code]))[0]?.version as number | undefined;
  const validate = async (body: Record<string, unknown>) => {
    const res = await app.inject({ method: 'POST', url: '/api/grids/validate', payload: body });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { valid: boolean; problems: { type: string; message: { zh: string; en: string }; geometry: any; other?: string; area_m2?: number }[] };
  };
  const types = (v: { problems: { type: string }[] }) => v.problems.map((p) => p.type);
  const send = (method: 'POST' | 'PUT' | 'DELETE' | 'GET', url: string, payload?: unknown, headers: Record<string, string> = ANALYST) =>
    app.inject({ method, url, payload: payload as any, headers });
  /** A snapshot of everything a grid write may touch, to prove that a refused write changed nothing. */
  const snapshot = async () => JSON.stringify(await q(`SELECT
      (SELECT json_agg(json_build_object('c', code, 'v', version, 'g', ST_AsText(geom)) ORDER BY code) FROM grids) AS grids,
      (SELECT count(*) FROM grid_revisions) AS revisions, (SELECT count(*) FROM grid_code_map) AS map`));

  async function resetCity() {
    await q(`TRUNCATE grids, grid_revisions, grid_code_map`);
    const r = await importLayer(t.db.pool, 'grids', miniCity.grids, { analysisSrid: SRID });
    expect(r.rejected).toEqual([]);
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    await loadMiniCity(t.db.pool, ['districts', 'roads'], SRID);
    app = await buildApp({ db: t.db, config: t.config });
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });
  beforeEach(resetCity);

  describe('POST /api/grids/validate', () => {
    it('accepts an edit that keeps the tiling (an extra vertex on an edge)', async () => {
      const v = await validate({ code: G101, geometry: ring([W, S], [(W + MID) / 2, S], [MID, S], [MID, HMID], [W, HMID]), replaces: [G101] });
      expect(v.problems).toEqual([]);
      expect(v.valid).toBe(true);
    });

    it('reports a bow-tie with the GEOS reason and its location', async () => {
      const v = await validate({ geometry: ring([109.451, 24.251], [109.46, 24.26], [109.46, 24.251], [109.451, 24.26]), community_code: '450203001001' });
      expect(v.valid).toBe(false);
      const p = v.problems.find((x) => x.type === 'invalid_geometry')!;
      expect(p.message.en).toMatch(/^invalid geometry: Self-intersection at \(109\.455500, 24\.255500\)/);
      expect(p.message.zh).toMatch(/几何无效：自相交，位置 \(109\.455500, 24\.255500\)/);
      expect(p.geometry).toEqual({ type: 'Point', coordinates: [109.4555, 24.2555] });
    });

    it('reports a hole outside its shell', async () => {
      const v = await validate({
        geometry: { type: 'Polygon', coordinates: [rect(109.451, 24.251, 109.452, 24.252).coordinates[0], rect(109.46, 24.26, 109.461, 24.261).coordinates[0]] },
        community_code: '450203001001',
      });
      expect(v.problems[0].type).toBe('invalid_geometry');
      expect(v.problems[0].message.en).toMatch(/Hole lies outside shell at \(109\.46/);
    });

    it('reports unclosed rings, too few points, wrong types, non-numbers and swapped axes before PostGIS sees them', async () => {
      const unclosed = await validate({ geometry: { type: 'Polygon', coordinates: [[[W, S], [MID, S], [MID, HMID], [W, HMID]]] }, community_code: '450203001001' });
      expect(types(unclosed)).toEqual(['unclosed_ring']);
      expect(unclosed.problems[0].message.en).toMatch(/ring coordinates\[0\] is not closed.* at \(109\.450000, 24\.275000\)/);
      expect(unclosed.problems[0].geometry.type).toBe('MultiPoint');

      const few = await validate({ geometry: { type: 'Polygon', coordinates: [[[W, S], [MID, S], [W, S]]] }, community_code: '450203001001' });
      expect(types(few)).toEqual(['too_few_points']);
      expect(few.problems[0].message.en).toMatch(/has 3 points; a closed ring needs at least 4/);

      for (const g of [{ type: 'Point', coordinates: [W, S] }, { type: 'LineString', coordinates: [[W, S], [E, N]] }, { type: 'GeometryCollection', geometries: [] }, 'POLYGON((0 0,1 0,1 1,0 0))']) {
        const v = await validate({ geometry: g, community_code: '450203001001' });
        expect(types(v)).toEqual(['geometry_type']);
        expect(v.problems[0].message.en).toMatch(/must be a Polygon or MultiPolygon, got/);
      }
      const nan = await validate({ geometry: { type: 'Polygon', coordinates: [[[W, S], ['x', S], [MID, HMID], [W, S]]] } });
      expect(types(nan)).toEqual(['bad_coordinates']);
      expect(nan.problems[0].message.en).toMatch(/coordinates\[0\]\[1\]/);

      const swapped = await validate({ geometry: ring([S, W], [S, MID], [HMID, MID], [HMID, W]), community_code: '450203001001' });
      expect(new Set(types(swapped))).toEqual(new Set(['out_of_range']));
      expect(swapped.problems[0].message.en).toMatch(/coordinate coordinates\[0\]\[0\] \(24\.25, 109\.45\) is outside the longitude\/latitude range.*longitude, latitude — in that order/);
    });

    it('reports coordinates far outside the jurisdiction (wrong CRS or axis order that still parses)', async () => {
      // Beijing instead of Liuzhou; and latitude/longitude swapped in a place where that is still in range
      for (const g of [rect(116.39, 39.9, 116.4, 39.91), rect(24.25, 60.45, 24.26, 60.46)]) {
        const v = await validate({ geometry: g, community_code: '450203001001' });
        expect(types(v)).toEqual(['outside_jurisdiction']);
        expect(v.problems[0].message.en).toMatch(/more than 1000 m outside the jurisdiction: check the axis order/);
      }
    });

    it('refuses a 100k-vertex polygon by count, without parsing it in PostGIS', async () => {
      const n = 100_000;
      const pts: [number, number][] = Array.from({ length: n }, (_, i) => {
        const a = (2 * Math.PI * i) / n;
        return [+(109.46 + 0.005 * Math.cos(a)).toFixed(7), +(24.26 + 0.005 * Math.sin(a)).toFixed(7)];
      });
      const v = await validate({ geometry: ring(...pts), community_code: '450203001001' });
      expect(types(v)).toEqual(['too_many_vertices']);
      expect(v.problems[0].message.en).toBe('the polygon has 100001 vertices; the limit is 5000');
      expect(v.problems[0].geometry.type).toBe('Polygon'); // its envelope, to show where it is
    });

    it('reports overlaps beyond the tolerance with the overlap polygon, and ignores those within it', async () => {
      const v = await validate({ code: G101, geometry: rect(W, S, MID, HMID + 0.001), replaces: [G101] });
      expect(types(v)).toEqual(['overlap']);
      const p = v.problems[0];
      expect(p.other).toBe(G102);
      expect(p.area_m2).toBeGreaterThan(2.7e5);
      expect(p.area_m2).toBeLessThan(2.9e5); // 2.54 km × 111 m
      expect(p.message.en).toMatch(new RegExp(`^overlaps grid ${G102} by \\d+ m² at \\(109\\.46`));
      expect(p.message.zh).toMatch(/与网格 45020300100102 重叠/);
      expect(p.geometry.type).toBe('Polygon');

      const tiny = await validate({ code: G101, geometry: rect(W, S, MID, HMID + 1e-9), replaces: [G101] });
      expect(tiny.valid).toBe(true); // 2.5 km × 0.1 mm ≈ 0.25 m² < 1 m²
    });

    it('reports the part outside the community and the gaps an edit leaves', async () => {
      const out = await validate({ code: G101, geometry: rect(W - 0.001, S, MID, HMID), replaces: [G101] });
      expect(types(out)).toEqual(['outside_community']);
      expect(out.problems[0].message.en).toMatch(/m² of the grid lie outside its community 450203001001 at \(109\.449/);

      const gap = await validate({ code: G101, geometry: rect(W, S + 0.001, MID, HMID), replaces: [G101] });
      expect(types(gap)).toEqual(['gap']);
      expect(gap.problems[0].area_m2).toBeGreaterThan(2.5e5);
      expect(gap.problems[0].geometry.type).toBe('Polygon');
      expect(gap.problems[0].message.en).toMatch(/leaves \d+ m² of community 450203001001 uncovered at \(109\.46\d+, 24\.250/);
      // the same area under a new code leaves no gap
      const v = await validate({ geometry: rect(W, S, MID, HMID), community_code: '450203001001', replaces: [G101] });
      expect(v.valid).toBe(true);
    });

    it('reports slivers by area and by thinness', async () => {
      const small = await validate({ geometry: rect(W, S, W + 0.00005, S + 0.00005), community_code: '450203001001', replaces: [G101] });
      expect(types(small)).toContain('sliver');
      expect(small.problems.find((p) => p.type === 'sliver')!.message.en).toMatch(/sliver at .*: area 2\d\.\d m² \(minimum 100\)/);
      const thin = await validate({ geometry: rect(W, S, MID, S + 0.00001), community_code: '450203001001', replaces: [G101] });
      const p = thin.problems.find((x) => x.type === 'sliver')!;
      expect(p.message.en).toMatch(/compactness 0\.00\d \(minimum 0\.05\)/);
    });

    it('checks the code: format, community prefix, uniqueness, and the community itself', async () => {
      const g = rect(W, S, MID, HMID);
      expect(types(await validate({ code: '123', geometry: g, replaces: [G101] }))).toEqual(['code_format']);
      const prefix = await validate({ code: G201, community_code: '450203001001', geometry: g, replaces: [G101] });
      expect(types(prefix)).toContain('code_prefix');
      expect(prefix.problems[0].message.en).toBe(`grid code ${G201} must start with its community code 450203001001`);
      const dup = await validate({ code: G102, geometry: g, replaces: [G101] });
      expect(types(dup)).toContain('code_duplicate');
      expect(dup.problems.find((p) => p.type === 'code_duplicate')!.message).toEqual({ en: `grid code ${G102} already exists`, zh: `网格编码 ${G102} 已存在` });
      const unknown = await validate({ geometry: g, community_code: '450203001009', replaces: [G101] });
      expect(types(unknown)).toContain('unknown_community');
    });

    it('answers 400 for a request without geometry', async () => {
      const res = await app.inject({ method: 'POST', url: '/api/grids/validate', payload: { code: G101 } });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toMatch(/geometry/);
    });
  });

  describe('writes', () => {
    it('needs an analyst token', async () => {
      const body = { geometry: rect(W, S, MID, HMID), version: 1 };
      expect((await send('PUT', `/api/grids/${G101}`, body, {})).statusCode).toBe(401);
      expect((await send('PUT', `/api/grids/${G101}`, body, { authorization: 'Bearer demo-collector' })).statusCode).toBe(403);
    });

    it('updates with optimistic concurrency and refuses bad geometry with 422, writing nothing', async () => {
      const before = await snapshot();
      const bad = await send('PUT', `/api/grids/${G101}`, { geometry: ring([W, S], [MID, HMID], [MID, S], [W, HMID]), version: 1 });
      expect(bad.statusCode).toBe(422);
      expect(bad.json()).toMatchObject({ error: 'invalid_grid', message: expect.stringMatching(/^invalid geometry: Self-intersection at \(/) });
      const overlapping = await send('PUT', `/api/grids/${G101}`, { geometry: rect(W, S, MID, HMID + 0.001), version: 1 });
      expect(overlapping.statusCode).toBe(422);
      expect(overlapping.json().problems[0].type).toBe('overlap');
      const wrongType = await send('PUT', `/api/grids/${G101}`, { geometry: { type: 'Point', coordinates: [W, S] }, version: 1 });
      expect(wrongType.statusCode).toBe(422);
      const brokenJson = await app.inject({ method: 'PUT', url: `/api/grids/${G101}`, payload: '{"geometry": {"type": "Polygon", ', headers: { ...ANALYST, 'content-type': 'application/json' } });
      expect(brokenJson.statusCode).toBe(400);
      const huge = Array.from({ length: 100_000 }, (_, i) => [+(W + 0.01 * Math.cos(i / 1e4)).toFixed(7), +(S + 0.01 * Math.sin(i / 1e4)).toFixed(7)]);
      const hugePut = await send('PUT', `/api/grids/${G101}`, { geometry: { type: 'Polygon', coordinates: [[...huge, huge[0]]] }, version: 1 });
      expect(hugePut.statusCode).toBe(422);
      expect(hugePut.json().message).toBe('the polygon has 100001 vertices; the limit is 5000');
      expect(await snapshot()).toBe(before);

      const ok = await send('PUT', `/api/grids/${G101}`, { geometry: ring([W, S], [(W + MID) / 2, S], [MID, S], [MID, HMID], [W, HMID]), version: 1 });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json().grid.properties).toMatchObject({ code: G101, version: 2 });
      const stale = await send('PUT', `/api/grids/${G101}`, { geometry: rect(W, S, MID, HMID), version: 1 });
      expect(stale.statusCode).toBe(409);
      expect(stale.json()).toMatchObject({ error: 'stale_version', grids: [{ code: G101, version: 2, sent: 1 }] });
      expect(stale.json().message).toMatch(/grid 45020300100101 is at version 2, not 1/);
      expect((await send('PUT', '/api/grids/45020300100199', { geometry: rect(W, S, MID, HMID), version: 1 })).statusCode).toBe(404);
    });

    it('lets exactly one of two concurrent edits of the same version win', async () => {
      const a = ring([W, S], [(W + MID) / 2, S], [MID, S], [MID, HMID], [W, HMID]);
      const b = ring([W, S], [MID, S], [MID, HMID], [(W + MID) / 2, HMID], [W, HMID]);
      const [r1, r2] = await Promise.all([
        send('PUT', `/api/grids/${G101}`, { geometry: a, version: 1 }),
        send('PUT', `/api/grids/${G101}`, { geometry: b, version: 1 }),
      ]);
      expect([r1.statusCode, r2.statusCode].sort()).toEqual([200, 409]);
      expect(await versionOf(G101)).toBe(2);
      expect(await count('grid_revisions')).toBe(1);
    });

    it('deletes (the gap comes back as a warning) and creates with the next free code, never reusing a deleted one', async () => {
      const del = await send('DELETE', `/api/grids/${G202}?version=1`);
      expect(del.statusCode, del.body).toBe(200);
      expect(del.json()).toMatchObject({ deleted: G202, warnings: [{ type: 'gap' }] });
      expect((await send('DELETE', `/api/grids/${G201}`)).statusCode).toBe(400); // version is required
      expect((await send('DELETE', `/api/grids/${G201}?version=7`)).statusCode).toBe(409);

      const created = await send('POST', '/api/grids', { geometry: rect(MID, HMID, E, N), community_code: '450203001002' });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().grid.properties).toMatchObject({ code: '45020300100203', version: 1, community_code: '450203001002' });
      // without code or community the community is the one the grid lies in
      await send('DELETE', '/api/grids/45020300100203?version=1');
      const derived = await send('POST', '/api/grids', { geometry: rect(MID, HMID, E, N) });
      expect(derived.json().grid.properties.code).toBe('45020300100204');
      // an explicit code that exists is a duplicate
      const dup = await send('POST', '/api/grids', { code: G201, geometry: rect(MID, HMID, E, N) });
      expect(dup.statusCode).toBe(422);
      expect(dup.json().problems.map((p: any) => p.type)).toContain('code_duplicate');
    });

    it('splits by a line into pieces with new codes, in reading order, keeping cases on their old grid', async () => {
      await q(`INSERT INTO cases (id, district_code, source, kind, major, minor, status, reported_at, grid_code, geom)
               VALUES ('4502032026010100001', '450203', 'patrol', 'event', '05', '0501', 'reported', now(), $1, ST_SetSRID(ST_MakePoint(109.46, 24.26), 4326))`, [G101]);
      const noCut = await send('POST', '/api/grids/split', { code: G101, version: 1, line: { type: 'LineString', coordinates: [[109.46, 24.26], [109.46, 24.27]] } });
      expect(noCut.statusCode).toBe(422);
      expect(noCut.json().problems[0]).toMatchObject({ type: 'split_line' });
      expect((await send('POST', '/api/grids/split', { code: G101, version: 1, line: { type: 'Point', coordinates: [1, 2] } })).statusCode).toBe(400);

      const line = { type: 'LineString', coordinates: [[109.4625, S - 0.001], [109.4625, HMID + 0.001]] };
      const res = await send('POST', '/api/grids/split', { code: G101, version: 1, line });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body.pieces.map((f: any) => f.properties.code)).toEqual(['45020300100103', '45020300100104']);
      // reading order: the west piece first
      expect(body.pieces[0].geometry.coordinates[0][0].every((p: number[]) => p[0] <= 109.4625)).toBe(true);
      expect(await versionOf(G101)).toBeUndefined();
      expect((await q(`SELECT grid_code FROM cases`))[0].grid_code).toBe(G101);
      expect((await send('GET', `/api/grids/code-map?code=${G101}`)).json().entries.map((e: any) => [e.new_code, e.reason]))
        .toEqual([['45020300100103', 'split'], ['45020300100104', 'split']]);
      // a line close to an edge would leave a sliver
      const sliver = await send('POST', '/api/grids/split', { code: G201, version: 1, line: { type: 'LineString', coordinates: [[MID + 0.00001, S - 0.001], [MID + 0.00001, HMID + 0.001]] } });
      expect(sliver.statusCode).toBe(422);
      expect(sliver.json().problems[0].type).toBe('sliver');
    });

    it('merges neighbours into the lowest code, refusing grids that are not neighbours or of other communities', async () => {
      const far = await send('POST', '/api/grids/merge', { codes: [G101, G202], versions: [1, 1] });
      expect(far.statusCode).toBe(422);
      expect(far.json().problems[0].type).toBe('merge_communities');
      const stale = await send('POST', '/api/grids/merge', { codes: [G101, G102], versions: [1, 5] });
      expect(stale.statusCode).toBe(409);
      expect((await send('POST', '/api/grids/merge', { codes: [G101], versions: [1] })).statusCode).toBe(400);

      const res = await send('POST', '/api/grids/merge', { codes: [G102, G101], versions: [1, 1] });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ grid: { properties: { code: G101, version: 2 } }, merged: [G102] });
      const area = (await q(`SELECT ST_NumGeometries(geom) AS n, round(ST_Area(ST_Transform(geom, ${SRID}))) AS a FROM grids WHERE code = $1`, [G101]))[0];
      expect(area.n).toBe(1);
      expect(Number(area.a)).toBeGreaterThan(1.4e7);
      expect(await versionOf(G102)).toBeUndefined();
    });

    it('refuses merging grids that only touch at a corner', async () => {
      // split the west community into 4 quarters first, so two of them touch only at the centre
      const split = await send('POST', '/api/grids/split', { code: G101, version: 1, line: { type: 'LineString', coordinates: [[109.4625, S - 0.001], [109.4625, HMID + 0.001]] } });
      const [sw] = split.json().pieces.map((f: any) => f.properties.code);
      const split2 = await send('POST', '/api/grids/split', { code: G102, version: 1, line: { type: 'LineString', coordinates: [[109.4625, HMID - 0.001], [109.4625, N + 0.001]] } });
      const [, ne] = split2.json().pieces.map((f: any) => f.properties.code);
      const res = await send('POST', '/api/grids/merge', { codes: [sw, ne], versions: [1, 1] });
      expect(res.statusCode).toBe(422);
      expect(res.json().problems[0].type).toBe('not_adjacent');
    });

    it('keeps split and merge atomic: a failure half-way leaves nothing changed', async () => {
      // a trigger that fails on the second piece of a split and on deleting the second grid of a merge
      await q(`CREATE FUNCTION test_fail() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
      await q(`CREATE TRIGGER test_fail_insert BEFORE INSERT ON grids FOR EACH ROW WHEN (NEW.code = '45020300100104') EXECUTE FUNCTION test_fail()`);
      // merge deletes 202 first, then fails updating the survivor 201
      await q(`CREATE TRIGGER test_fail_update BEFORE UPDATE ON grids FOR EACH ROW WHEN (OLD.code = '45020300100201') EXECUTE FUNCTION test_fail()`);
      try {
        const before = await snapshot();
        const split = await send('POST', '/api/grids/split', { code: G101, version: 1, line: { type: 'LineString', coordinates: [[109.4625, S - 0.001], [109.4625, HMID + 0.001]] } });
        expect(split.statusCode).toBe(500);
        expect(await snapshot()).toBe(before);
        const merge = await send('POST', '/api/grids/merge', { codes: [G201, G202], versions: [1, 1] });
        expect(merge.statusCode).toBe(500);
        expect(await snapshot()).toBe(before);
      } finally {
        await q(`DROP TRIGGER test_fail_insert ON grids; DROP TRIGGER test_fail_update ON grids; DROP FUNCTION test_fail()`);
      }
    });

    it('keeps a history of revisions with before/after GeoJSON and reverts to one', async () => {
      const g1 = ring([W, S], [(W + MID) / 2, S], [MID, S], [MID, HMID], [W, HMID]);
      const g2 = ring([W, S], [(W + MID) / 2, S], [MID, S], [MID, HMID], [W, HMID], [W, (S + HMID) / 2]);
      expect((await send('PUT', `/api/grids/${G101}`, { geometry: g1, version: 1 })).statusCode).toBe(200);
      expect((await send('PUT', `/api/grids/${G101}`, { geometry: g2, version: 2 })).statusCode).toBe(200);
      const h = (await send('GET', `/api/grids/${G101}/history`)).json();
      expect(h.revisions.map((r: any) => [r.op, r.version_before, r.version_after, r.actor])).toEqual([
        ['update', 2, 3, '演示网格管理员'], ['update', 1, 2, '演示网格管理员'],
      ]);
      const first = h.revisions[1];
      expect(first.before.geometry.coordinates[0][0]).toHaveLength(5);
      expect(first.after.geometry.coordinates[0][0]).toHaveLength(6);
      expect(first.after.properties).toMatchObject({ code: G101, version: 2 });
      expect(new Date(first.at).getTime()).toBeGreaterThan(Date.now() - 60_000);

      expect((await send('POST', `/api/grids/${G101}/revert`, { revision: first.id, version: 1 })).statusCode).toBe(409);
      expect((await send('POST', `/api/grids/${G102}/revert`, { revision: first.id })).statusCode).toBe(400);
      expect((await send('POST', `/api/grids/${G101}/revert`, { revision: 999999 })).statusCode).toBe(404);
      const rev = await send('POST', `/api/grids/${G101}/revert`, { revision: first.id, version: 3 });
      expect(rev.statusCode, rev.body).toBe(200);
      expect(rev.json().grid.properties.version).toBe(4);
      expect(rev.json().grid.geometry.coordinates[0][0]).toEqual(g1.coordinates[0]);
      const h2 = (await send('GET', `/api/grids/${G101}/history`)).json();
      expect(h2.revisions[0]).toMatchObject({ op: 'revert', note: { revision: first.id }, version_before: 3, version_after: 4 });

      // a deleted grid comes back by reverting to a revision that had it … unless something took its place
      const del = await send('DELETE', `/api/grids/${G202}?version=1`);
      const delRev = (await send('GET', `/api/grids/${G202}/history`)).json().revisions[0];
      expect(delRev).toMatchObject({ op: 'delete', after: null, id: del.json().revision });
      expect((await send('POST', `/api/grids/${G202}/revert`, { revision: delRev.id })).statusCode).toBe(409);
      expect((await send('GET', '/api/grids/45020300100299/history')).statusCode).toBe(404);
    });

    it('recreates a deleted grid by revert, refusing when a new grid overlaps it', async () => {
      await send('PUT', `/api/grids/${G202}`, { geometry: ring([MID, HMID], [E, HMID], [E, N], [MID, N], [MID, (HMID + N) / 2]), version: 1 });
      const upd = (await send('GET', `/api/grids/${G202}/history`)).json().revisions[0];
      await send('DELETE', `/api/grids/${G202}?version=2`);
      const back = await send('POST', `/api/grids/${G202}/revert`, { revision: upd.id });
      expect(back.statusCode, back.body).toBe(200);
      expect(back.json().grid.properties.version).toBe(3); // versions never repeat for a code
      await send('DELETE', `/api/grids/${G202}?version=3`);
      await send('POST', '/api/grids', { geometry: rect(MID, HMID, E, N), community_code: '450203001002' });
      const refused = await send('POST', `/api/grids/${G202}/revert`, { revision: upd.id });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().problems[0]).toMatchObject({ type: 'overlap', other: '45020300100203' });
    });

    it('renumbers a community west→east, north→south and keeps the code map', async () => {
      // east community after some edits: 01 south, 02 north → reading order makes the north grid 01
      const res = await send('POST', '/api/grids/renumber', { community: '450203001002' });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ community: '450203001002', changed: 2 });
      expect(res.json().map).toEqual([{ old: G202, new: G201 }, { old: G201, new: G202 }]);
      const north = (await q(`SELECT code FROM grids WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint(109.49, 24.29), 4326))`))[0].code;
      expect(north).toBe(G201);
      const map = (await send('GET', '/api/grids/code-map?community=450203001002')).json().entries;
      expect(map.map((e: any) => [e.old_code, e.new_code, e.reason])).toEqual([[G201, G202, 'renumber'], [G202, G201, 'renumber']]);
      // the history of the renamed grid follows it back to its old code
      const h = (await send('GET', `/api/grids/${G201}/history`)).json();
      expect(h.revisions[0]).toMatchObject({ op: 'renumber', note: { from: G202 }, before: { properties: { code: G202 } }, after: { properties: { code: G201 } } });
      // numbering again changes nothing
      expect((await send('POST', '/api/grids/renumber', { community: '450203001002' })).json()).toMatchObject({ changed: 0, change: null });
      expect((await send('POST', '/api/grids/renumber', { community: '450203001009' })).statusCode).toBe(404);
      expect((await send('POST', '/api/grids/renumber', { community: '4502' })).statusCode).toBe(400);
    });
  });

  describe('coverage and exchange', () => {
    it('checks the coverage of a district: complete, then a gap and an overlap located', async () => {
      const ok = (await send('GET', '/api/grids/coverage?district=450203')).json();
      expect(ok).toMatchObject({ complete: true, problems: [] });
      expect(ok.communities.map((c: any) => c.method)).toEqual(['chain', 'chain']);
      await q(`UPDATE grids SET geom = ST_Multi(ST_MakeEnvelope(${W}, ${S + 0.001}, ${MID}, ${HMID + 0.0005}, 4326)) WHERE code = $1`, [G101]);
      const bad = (await send('GET', '/api/grids/coverage?community=450203001001')).json();
      expect(bad.complete).toBe(false);
      expect(bad.problems.map((p: any) => p.type).sort()).toEqual(['gap', 'overlap']);
      expect(bad.communities).toMatchObject([{ code: '450203001001', grids: 2, method: 'overlay' }]);
      // a grid vertex on the community boundary (T-junction with the community's edge) still proves exact
      await resetCity();
      await send('PUT', `/api/grids/${G101}`, { geometry: ring([W, S], [(W + MID) / 2, S], [MID, S], [MID, HMID], [W, HMID]), version: 1 });
      expect((await send('GET', '/api/grids/coverage?district=450203')).json().communities.map((c: any) => c.method)).toEqual(['chain', 'chain']);
      expect((await send('GET', '/api/grids/coverage?district=45')).statusCode).toBe(400);
    });

    it('exports GeoJSON and re-imports it unchanged; a stale file is refused', async () => {
      const res = await send('GET', '/api/grids/export?community=450203001001', undefined, {});
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^application\/geo\+json/);
      const doc = res.json();
      expect(doc.features.map((f: any) => f.properties.code)).toEqual([G101, G102]);
      expect(doc.features[0].properties.version).toBe(1);
      const again = await send('POST', '/api/grids/import', doc);
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json()).toMatchObject({ total: 2, created: [], updated: [], unchanged: 2 });
      const all = (await send('GET', '/api/grids/export?district=450203', undefined, {})).json();
      expect(all.features).toHaveLength(4);

      await send('PUT', `/api/grids/${G101}`, { geometry: ring([W, S], [(W + MID) / 2, S], [MID, S], [MID, HMID], [W, HMID]), version: 1 });
      const before = await snapshot();
      const stale = await send('POST', '/api/grids/import', doc);
      expect(stale.statusCode).toBe(409);
      expect(stale.json().message).toMatch(/grid 45020300100101 is at version 2, the file has 1/);
      expect(await snapshot()).toBe(before);
    });

    it('imports all or nothing through the same checks', async () => {
      const before = await snapshot();
      const feature = (code: string, geometry: unknown, props: Record<string, unknown> = {}) => ({ type: 'Feature', properties: { code, ...props }, geometry });
      const mixed = {
        type: 'FeatureCollection',
        features: [
          feature(G102, ring([W, HMID], [MID, HMID], [MID, N], [(W + MID) / 2, N], [W, N])),
          feature(G101, ring([W, S], [MID, HMID], [MID, S], [W, HMID])),
        ],
      };
      const r = await app.inject({ method: 'POST', url: '/api/grids/import', payload: JSON.stringify(mixed), headers: { ...ANALYST, 'content-type': 'application/geo+json' } });
      expect(r.statusCode).toBe(422);
      expect(r.json().problems).toMatchObject([{ type: 'invalid_geometry', index: 1, grid: G101 }]);
      const dup = await send('POST', '/api/grids/import', { type: 'FeatureCollection', features: [feature(G101, rect(W, S, MID, HMID)), feature(G101, rect(W, S, MID, HMID))] });
      expect(dup.statusCode).toBe(422);
      expect(dup.json().problems[0].message.en).toMatch(/duplicate code "45020300100101" in file/);
      const overlap = await send('POST', '/api/grids/import', { type: 'FeatureCollection', features: [feature('45020300100103', rect(W, S, W + 0.01, S + 0.01))] });
      expect(overlap.statusCode).toBe(422);
      expect(overlap.json().problems[0]).toMatchObject({ type: 'overlap', other: G101 });
      const line = await send('POST', '/api/grids/import', { type: 'FeatureCollection', features: [feature('45020300100103', { type: 'LineString', coordinates: [[W, S], [E, N]] })] });
      expect(line.statusCode).toBe(422);
      expect((await send('POST', '/api/grids/import', { type: 'Feature' })).statusCode).toBe(400);
      expect((await send('POST', '/api/grids/import?crs=bd09', { type: 'FeatureCollection', features: [] })).statusCode).toBe(400);
      expect((await send('POST', '/api/grids/import', { type: 'FeatureCollection', features: [] }, {})).statusCode).toBe(401);
      expect(await snapshot()).toBe(before);

      const good = await send('POST', '/api/grids/import', mixed.features[0] && { type: 'FeatureCollection', features: [mixed.features[0]] });
      expect(good.statusCode, good.body).toBe(200);
      expect(good.json()).toMatchObject({ updated: [G102], created: [] });
      expect((await send('GET', `/api/grids/${G102}/history`)).json().revisions[0]).toMatchObject({ op: 'import', version_after: 2 });
    });

    it('checks bulk imports by the chain test first, and still finds what it cannot prove', async () => {
      await send('DELETE', `/api/grids/${G201}?version=1`);
      await send('DELETE', `/api/grids/${G202}?version=1`);
      // a 5×5 tiling of the east community; the outer coordinates are the community's own
      const xs = [MID, 109.48, 109.485, 109.49, 109.495, E], ys = [S, 24.26, 24.27, 24.28, 24.29, N];
      const tiling = (grow = -1, shrink = -1) => ({
        type: 'FeatureCollection',
        features: Array.from({ length: 25 }, (_, k) => {
          const i = k % 5, j = Math.floor(k / 5);
          const n = k === shrink ? ys[j + 1] - 0.002 : ys[j + 1];
          const e = k === grow ? xs[i + 1] + 0.002 : xs[i + 1];
          return { type: 'Feature', properties: { code: `450203001002${String(k + 3).padStart(2, '0')}` }, geometry: rect(xs[i], ys[j], e, n) };
        }),
      });
      const first = await send('POST', '/api/grids/import', tiling());
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json().created).toHaveLength(25);
      expect((await send('GET', '/api/grids/coverage?community=450203001002')).json()).toMatchObject({ complete: true, communities: [{ method: 'chain', grids: 25 }] });
      const before = await snapshot();
      const gap = await send('POST', '/api/grids/import', tiling(-1, 12));
      expect(gap.statusCode).toBe(422);
      expect(gap.json().problems).toMatchObject([{ type: 'gap', area_m2: expect.any(Number) }]);
      const overlap = await send('POST', '/api/grids/import', tiling(12));
      expect(overlap.statusCode).toBe(422);
      expect(overlap.json().problems).toMatchObject([{ type: 'overlap', grid: '45020300100215', other: '45020300100216' }]);
      expect(await snapshot()).toBe(before);
    });

    it('converts GCJ-02 on import', async () => {
      await send('DELETE', `/api/grids/${G202}?version=1`);
      // a free-standing grid inside the hole, given in GCJ-02 (as from an AMap-based tool)
      const wgs: [number, number][] = [[109.48, 24.28], [109.49, 24.28], [109.49, 24.29], [109.48, 24.29]];
      const gcj = wgs.map((p) => gcoord.transform(p, gcoord.WGS84, gcoord.GCJ02) as [number, number]);
      const res = await send('POST', '/api/grids/import?crs=gcj02', { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: '45020300100205' }, geometry: ring(...gcj) }] });
      expect(res.statusCode, res.body).toBe(200);
      const [pt] = await q(`SELECT ST_XMin(geom) AS x, ST_YMin(geom) AS y FROM grids WHERE code = '45020300100205'`);
      expect(pt.x).toBeCloseTo(109.48, 6);
      expect(pt.y).toBeCloseTo(24.28, 6);
    });
  });
});
