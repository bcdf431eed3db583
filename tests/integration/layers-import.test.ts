import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import gcoord from 'gcoord';
import { importLayer } from '../../api/layers/import.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { insertMiniDepartments, miniCity } from '../helpers/mini-city.ts';

const SRID = 32649;

describe('layer import', () => {
  let t: TestDatabase;
  const count = async (table: string) => Number((await t.db.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  beforeAll(async () => {
    t = await createTestDatabase();
    await insertMiniDepartments(t.db.pool);
  });
  afterAll(async () => t?.drop());

  it('imports good files, parents and children in one file, and re-imports idempotently', async () => {
    const r = await importLayer(t.db.pool, 'districts', miniCity.districts, { analysisSrid: SRID });
    expect(r).toMatchObject({ total: 4, written: 4, rejected: [] });
    for (const layer of ['grids', 'roads', 'zones', 'components'] as const) {
      const rep = await importLayer(t.db.pool, layer, miniCity[layer], { analysisSrid: SRID });
      expect(rep.rejected).toEqual([]);
      expect(rep.written).toBe(miniCity[layer].features.length);
    }
    expect(await count('grids')).toBe(4);
    const again = await importLayer(t.db.pool, 'grids', miniCity.grids, { analysisSrid: SRID });
    expect(again.written).toBe(4);
    expect(await count('grids')).toBe(4);
    const { rows } = await t.db.pool.query(`SELECT class FROM roads WHERE id = 'r2'`);
    expect(rows[0].class).toBe('secondary'); // Chinese class names are mapped
    const comp = await t.db.pool.query(`SELECT kind_code, status, district_code FROM components ORDER BY id LIMIT 1`);
    expect(comp.rows[0]).toEqual({ kind_code: '0101', status: 'damaged', district_code: '450203' });
  });

  it('rejects a self-intersecting polygon with its reason and location, and writes nothing', async () => {
    const before = await count('grids');
    const bowtie = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { code: '45020300100103' }, geometry: { type: 'Polygon', coordinates: [[[109.451, 24.251], [109.46, 24.26], [109.46, 24.251], [109.451, 24.26], [109.451, 24.251]]] } },
        { type: 'Feature', properties: { code: '45020300100104' }, geometry: { type: 'Polygon', coordinates: [[[109.451, 24.251], [109.452, 24.251], [109.452, 24.252], [109.451, 24.251]]] } },
      ],
    };
    const r = await importLayer(t.db.pool, 'grids', bowtie, { analysisSrid: SRID });
    expect(r.written).toBe(0);
    expect(r.rejected).toHaveLength(1);
    expect(r.rejected[0]).toMatchObject({ index: 0, id: '45020300100103' });
    expect(r.rejected[0].reason).toMatch(/invalid geometry: Self-intersection at POINT\(109\.45/);
    expect(await count('grids')).toBe(before);
  });

  it('rejects bad codes, wrong geometry types, unknown references and features outside the jurisdiction', async () => {
    const before = await count('components');
    const bad = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { id: '123' }, geometry: { type: 'Point', coordinates: [109.46, 24.26] } },
        { type: 'Feature', properties: { id: '4502030101000999' }, geometry: { type: 'LineString', coordinates: [[109.46, 24.26], [109.47, 24.27]] } },
        { type: 'Feature', properties: { id: '4502030101000998', status: '坏了' }, geometry: { type: 'Point', coordinates: [109.46, 24.26] } },
        { type: 'Feature', properties: { id: '4502030101000997' }, geometry: { type: 'Point', coordinates: [24.26, 109.46] } },
      ],
    };
    const r = await importLayer(t.db.pool, 'components', bad, { analysisSrid: SRID });
    expect(r.rejected.map((x) => x.index)).toEqual([0, 1, 2, 3]);
    expect(r.rejected[0].reason).toMatch(/id "123" must be 16 or 17 digits/);
    expect(r.rejected[1].reason).toMatch(/geometry type LineString not allowed/);
    expect(r.rejected[2].reason).toMatch(/status "坏了"/);
    expect(r.rejected[3].reason).toMatch(/outside longitude\/latitude range/);

    const far = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: '4502030101000996', owner_dept: 'nope' }, geometry: { type: 'Point', coordinates: [116.4, 39.9] } }] };
    const r2 = await importLayer(t.db.pool, 'components', far, { analysisSrid: SRID });
    expect(r2.rejected.map((x) => x.reason).join('\n')).toMatch(/owner_dept nope is not a known department/);
    expect(r2.rejected.map((x) => x.reason).join('\n')).toMatch(/outside the jurisdiction/);
    expect(await count('components')).toBe(before);

    await expect(importLayer(t.db.pool, 'roads', { type: 'Feature' }, { analysisSrid: SRID })).rejects.toThrow(/not a GeoJSON FeatureCollection/);
  });

  it('converts GCJ-02 coordinates to WGS84', async () => {
    const gcj = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'gcj1', name: '测试路', class: 'alley' }, geometry: { type: 'LineString', coordinates: [[109.47, 24.27], [109.48, 24.27]] } }] };
    const r = await importLayer(t.db.pool, 'roads', gcj, { analysisSrid: SRID, crs: 'gcj02' });
    expect(r.written).toBe(1);
    const { rows } = await t.db.pool.query(`SELECT ST_X(ST_StartPoint(ST_GeometryN(geom, 1))) AS x, ST_Y(ST_StartPoint(ST_GeometryN(geom, 1))) AS y FROM roads WHERE id = 'gcj1'`);
    // stored WGS84 maps back onto the GCJ-02 input, and GCJ-02's offset here is a few hundred metres
    const back = gcoord.transform([rows[0].x, rows[0].y], gcoord.WGS84, gcoord.GCJ02) as number[];
    expect(back[0]).toBeCloseTo(109.47, 6);
    expect(back[1]).toBeCloseTo(24.27, 6);
    const shiftM = Math.hypot((109.47 - rows[0].x) * 101_000, (24.27 - rows[0].y) * 111_000);
    expect(shiftM).toBeGreaterThan(100);
    expect(shiftM).toBeLessThan(1000);
  });
});
