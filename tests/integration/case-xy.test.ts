/**
 * Stored analysis-CRS points of cases (api/analysis/case-xy.ts), on the embedded database and the real server:
 * built once, equal to ST_Transform to the bit, kept by inserts and moves, rebuilt for another CRS — and a hotspot
 * analysis reading them gives exactly what one projecting every case gives.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStoredXy, storedXySrid } from '../../api/analysis/case-xy.ts';
import { serverUrl, type TestDatabase } from '../helpers/db.ts';
import { miniCityApp } from '../helpers/mini-city.ts';

const SRID = 32649;
const DATABASES: [string, boolean][] = [['embedded PGlite', true], ...(serverUrl ? [['PostgreSQL server', false] as [string, boolean]] : [])];

/** 900 events on a jittered grid over the county and a cluster of 80, minors 0501/0502 */
const CASES_SQL = `
INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
SELECT 'g' || i || '-' || j, '450203', 'patrol', 'event', '05', (ARRAY['0501', '0502'])[1 + (i + j) % 2], 'registered', 'd1',
       timestamptz '2025-03-01 10:00+08' + ((i * j) % 60) * interval '1 day',
       ST_SetSRID(ST_MakePoint(109.451 + i * 0.00165 + (j % 7) * 0.00011, 24.251 + j * 0.00165 + (i % 5) * 0.00013), 4326)
FROM generate_series(0, 29) i, generate_series(0, 29) j;
INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, geom)
SELECT 'k' || k, '450203', 'hotline', 'event', '05', '0501', 'registered', 'd1', timestamptz '2025-04-01 09:00+08' + k * interval '1 hour',
       ST_SetSRID(ST_MakePoint(109.47 + (k % 9) * 0.00004, 24.27 + (k / 9) * 0.00004), 4326)
FROM generate_series(0, 79) k`;

describe.each(DATABASES)('stored analysis-CRS points of cases on %s', (_name, embedded) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  const q = async <T = any>(sql: string, params: unknown[] = []) => (await t.db.pool.query(sql, params)).rows as T[];
  /** cases whose stored point differs from a fresh projection into `srid` (exact comparison) */
  const mismatches = async (srid: number) =>
    Number((await q(`SELECT count(*) AS n FROM cases WHERE ax IS DISTINCT FROM ST_X(ST_Transform(geom, ${srid})) OR ay IS DISTINCT FROM ST_Y(ST_Transform(geom, ${srid}))`))[0].n);

  beforeAll(async () => {
    ({ t, app } = await miniCityApp({ embedded, casesSql: CASES_SQL, analysisSrid: SRID }));
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('builds the columns once, equal to ST_Transform for every case, and keeps them on insert and move', async () => {
    expect(await storedXySrid(t.db.pool)).toBe(null);
    expect(await ensureStoredXy(t.db.pool, SRID)).toBe(true);
    expect(await ensureStoredXy(t.db.pool, SRID)).toBe(false);
    expect(await storedXySrid(t.db.pool)).toBe(SRID);
    expect(await mismatches(SRID)).toBe(0);

    await q(`INSERT INTO cases (id, district_code, source, kind, major, minor, status, reported_at, geom)
             VALUES ('new1', '450203', 'web', 'event', '05', '0501', 'reported', now(), ST_SetSRID(ST_MakePoint(109.462, 24.263), 4326))`);
    await q(`UPDATE cases SET geom = ST_SetSRID(ST_MakePoint(109.4801, 24.2702), 4326) WHERE id = 'g3-4'`);
    const [moved] = await q(`SELECT ax, ay, ST_X(ST_Transform(geom, ${SRID})) AS x FROM cases WHERE id = 'g3-4'`);
    expect(moved.ax).toBe(moved.x);
    expect(await mismatches(SRID)).toBe(0);
  });

  it('rebuilds the columns for another CRS', async () => {
    expect(await ensureStoredXy(t.db.pool, 32650)).toBe(true);
    expect(await storedXySrid(t.db.pool)).toBe(32650);
    expect(await mismatches(32650)).toBe(0);
    await expect(ensureStoredXy(t.db.pool, 0)).rejects.toThrow(/bad SRID/);
  });

  it('gives the same hotspot cells as projecting every case, square and hex', async () => {
    // stored columns in 32650 now: an analysis in 32651 projects every case …
    const get = async (qs: string) => {
      const res = await app.inject({ url: `/api/analysis/hotspots?${qs}`, headers: { authorization: 'Bearer demo-manager' } });
      expect(res.statusCode).toBe(200);
      return res.json();
    };
    for (const cell of ['square', 'hex']) {
      const base = `cell=${cell}&cellSize=150&band=450&srid=32651`;
      const projected = await get(base);
      expect(await storedXySrid(t.db.pool)).toBe(32650);
      // … then, with the columns in 32651, the same analysis reads them (an empty UPDATE moves the result cache on)
      await ensureStoredXy(t.db.pool, 32651);
      await q('UPDATE cases SET status = status WHERE false');
      const stored = await get(base);
      const cells = (b: any) => b.cells.features.map((f: any) => f.properties);
      expect(cells(stored)).toEqual(cells(projected));
      expect(stored.areas).toEqual(projected.areas);
      expect(cells(stored).reduce((s: number, c: any) => s + c.count, 0)).toBe(981); // 900 + 80 + new1
      await ensureStoredXy(t.db.pool, 32650);
    }
  });

  it('builds them for the analysis CRS at the first analysis', async () => {
    const res = await app.inject({ url: '/api/analysis/hotspots?cellSize=200&band=600', headers: { authorization: 'Bearer demo-manager' } });
    expect(res.statusCode).toBe(200);
    expect(await storedXySrid(t.db.pool)).toBe(SRID);
    expect(await mismatches(SRID)).toBe(0);
  });
});
