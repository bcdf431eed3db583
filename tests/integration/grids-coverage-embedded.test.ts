import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { OVERLAY_GRID } from '../../api/grids/overlay.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { loadMiniCity } from '../helpers/mini-city.ts';

const S = 24.25, HMID = 24.275;
const SRID = 32649;
const G101 = '45020300100101';
const ANALYST = { authorization: 'Bearer demo-analyst' };

describe('coverage on the embedded database after a split and a merge', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await createTestDatabase({ embedded: true });
    await loadMiniCity(t.db.pool, ['districts', 'grids', 'roads'], SRID);
    app = await buildApp({ db: t.db, config: t.config });
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('runs the overlay check after a merge leaves extra vertices on a shared edge', async () => {
    const split = await app.inject({ method: 'POST', url: '/api/grids/split', headers: ANALYST,
      payload: { code: G101, version: 1, line: { type: 'LineString', coordinates: [[109.4625, S - 0.001], [109.4625, HMID + 0.001]] } } });
    expect(split.statusCode, split.body).toBe(200);
    const codes = split.json().pieces.map((f: any) => f.properties.code);
    const merge = await app.inject({ method: 'POST', url: '/api/grids/merge', headers: ANALYST, payload: { codes, versions: [1, 1] } });
    expect(merge.statusCode, merge.body).toBe(200);
    const res = await app.inject({ method: 'GET', url: '/api/grids/coverage?community=450203001001' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ complete: true, problems: [], communities: [{ code: '450203001001', grids: 2, method: 'overlay' }] });
  });

  it('overlays at the fixed precision the grid checks use, where PGlite loses a full-precision ST_Difference', async () => {
    const geos = JSON.parse(fs.readFileSync(new URL('../fixtures/pglite-geos-exception.json', import.meta.url), 'utf8'));
    const sql = (grid: string) => `SELECT ST_AsText(ST_Difference($1::geometry, $2::geometry${grid})) AS d`;
    await expect(t.db.pool.query(sql(''), [geos.community, geos.grids])).rejects.toThrow(/aborted/);
    expect((await t.db.pool.query(sql(`, ${OVERLAY_GRID}`), [geos.community, geos.grids])).rows).toEqual([{ d: 'POLYGON EMPTY' }]);
  });
});
