import type { FastifyInstance } from 'fastify';
import type { FeatureCollection } from 'geojson';
import type pg from 'pg';
import { buildApp } from '../../api/app.ts';
import { importLayer } from '../../api/layers/import.ts';
import { expect } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db.ts';

/** A tiny hand-made city at the demo location: 1 county = 1 street = 2 communities, 4 grids, roads, a zone, components. */
const W = 109.45, E = 109.5, S = 24.25, N = 24.3, MID = 109.475, HMID = 24.275;
const rect = (w: number, s: number, e: number, n: number) => ({ type: 'Polygon' as const, coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] });
const fc = (features: { properties: Record<string, unknown>; geometry: unknown }[]): FeatureCollection =>
  ({ type: 'FeatureCollection', features: features.map((f) => ({ type: 'Feature', ...f })) }) as FeatureCollection;

export const miniCity = {
  districts: fc([
    { properties: { code: '450203', name: '演示区' }, geometry: rect(W, S, E, N) },
    { properties: { code: '450203001', name: '阳和街道' }, geometry: rect(W, S, E, N) },
    { properties: { code: '450203001001', name: '西社区' }, geometry: rect(W, S, MID, N) },
    { properties: { code: '450203001002', name: '东社区' }, geometry: rect(MID, S, E, N) },
  ]),
  grids: fc([
    { properties: { code: '45020300100101' }, geometry: rect(W, S, MID, HMID) },
    { properties: { code: '45020300100102' }, geometry: rect(W, HMID, MID, N) },
    { properties: { code: '45020300100201' }, geometry: rect(MID, S, E, HMID) },
    { properties: { code: '45020300100202' }, geometry: rect(MID, HMID, E, N) },
  ]),
  roads: fc([
    { properties: { id: 'r1', name: '阳和大道', class: 'main' }, geometry: { type: 'LineString', coordinates: [[W, HMID], [E, HMID]] } },
    { properties: { id: 'r2', name: '柳东路', class: '次干道' }, geometry: { type: 'LineString', coordinates: [[MID, S], [MID, N]] } },
  ]),
  zones: fc([
    { properties: { id: 'z1', name: '阳和广场严禁区', level: '严禁区', governed_minors: ['event:0501'] }, geometry: rect(109.47, 24.27, 109.48, 24.28) },
  ]),
  components: fc(
    Array.from({ length: 20 }, (_, i) => ({
      properties: { id: `4502030101${String(i + 1).padStart(6, '0')}`, status: i % 5 === 0 ? '破损' : '完好', owner_dept: 'd1' },
      geometry: { type: 'Point', coordinates: [W + 0.001 + i * 0.002, HMID + 0.0001] },
    })),
  ),
};

/** The layers of the mini city. */
export type MiniLayer = 'districts' | 'grids' | 'roads' | 'zones' | 'components';

export async function insertMiniDepartments(pool: pg.Pool) {
  await pool.query(`INSERT INTO departments (id, name, assessment_group) VALUES ('d1', '市政设施管理处', 'A') ON CONFLICT DO NOTHING`);
}

/** The mini city's department and `layers` (imported with no rejection) into a database. */
export async function loadMiniCity(pool: pg.Pool, layers: readonly MiniLayer[], analysisSrid: number): Promise<void> {
  await insertMiniDepartments(pool);
  for (const layer of layers) {
    const r = await importLayer(pool, layer, miniCity[layer], { analysisSrid });
    expect(r.rejected).toEqual([]);
  }
}

/**
 * A fresh test database holding the mini city's department and districts plus what `casesSql` inserts, and an app over
 * it with the demo tokens on. The caller closes the app and drops the database.
 */
export async function miniCityApp(opts: { embedded: boolean; casesSql: string; analysisSrid: number }): Promise<{ t: TestDatabase; app: FastifyInstance }> {
  const t = await createTestDatabase({ embedded: opts.embedded });
  await loadMiniCity(t.db.pool, ['districts'], opts.analysisSrid);
  await t.db.pool.query(opts.casesSql);
  const app = await buildApp({ db: t.db, config: { ...t.config, demoTokens: true } });
  return { t, app };
}
