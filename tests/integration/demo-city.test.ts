import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';
import { DEMO_CITY_DIR, isDatabaseEmpty, loadDemoCity, nonEmptyTables, type LoadResult } from '../../api/demo/load.ts';
import { utmSrid } from '../../api/domain/utm.ts';

const manifest = JSON.parse(fs.readFileSync(path.join(DEMO_CITY_DIR, 'manifest.json'), 'utf8'));
const SRID = utmSrid(manifest.center[0], manifest.center[1]);

describe(`demo city loaded into ${serverUrl ? 'PostGIS' : 'the embedded PGlite'}`, () => {
  let t: TestDatabase;
  let loaded: LoadResult;
  let emptyBefore: boolean;
  const one = async <T = number>(sql: string, params: unknown[] = []): Promise<T> => Object.values((await t.db.pool.query(sql, params)).rows[0])[0] as T;

  beforeAll(async () => {
    t = await createTestDatabase();
    emptyBefore = await isDatabaseEmpty(t.db.pool);
    loaded = await loadDemoCity(t.db.pool);
    console.log(`demo city: ${JSON.stringify(loaded.counts)} loaded in ${(loaded.ms / 1000).toFixed(1)} s (${t.db.kind})`);
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('loads every table with the counts of manifest.json', async () => {
    expect(emptyBefore).toBe(true);
    expect(await isDatabaseEmpty(t.db.pool)).toBe(false);
    expect(await nonEmptyTables(t.db.pool)).toHaveLength(8);
    const c = manifest.counts;
    for (const [table, n] of Object.entries({ work_grids: c.work_grids, grids: c.grids, roads: c.roads, zones: c.zones, departments: c.departments, components: c.components, cases: c.cases })) {
      expect(await one(`SELECT count(*) FROM ${table}`), table).toBe(n);
    }
    const levels = (await t.db.pool.query(`SELECT level, count(*)::int AS n FROM districts GROUP BY level`)).rows;
    expect(Object.fromEntries(levels.map((r) => [r.level, r.n]))).toEqual({ county: 1, street: c.streets, community: c.communities });
    expect(await one(`SELECT count(*) FROM taxonomy`)).toBeGreaterThan(100); // loaded alongside
  });

  it('stores the repeat groups of every month, repeat cases a small share as in the seeds', async () => {
    const r = loaded.repeats;
    expect(r.periods).toEqual(Object.keys(manifest.case_stats.perMonth).sort());
    expect(await one(`SELECT count(*) FROM cases WHERE is_repeat`)).toBe(r.repeatCases);
    expect(await one(`SELECT count(*) FROM repeat_groups WHERE size >= threshold`)).toBe(r.reachedGroups);
    // seed 000: 23 反复发案 of 577 cases; the generated city stays within a few per cent of that
    const share = r.repeatCases / loaded.counts.cases;
    expect(share).toBeGreaterThan(0.02);
    expect(share).toBeLessThan(0.1);
  });

  it('has no two grids overlapping by more than 1 m²', async () => {
    const n = await one(
      `SELECT count(*) FROM grids a JOIN grids b ON a.code < b.code AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)
       WHERE ST_Area(ST_Transform(ST_Intersection(a.geom, b.geom), $1::int)) > 1`, [SRID]);
    expect(n).toBe(0);
    expect(await one(`SELECT count(*) FROM grids WHERE NOT ST_IsValid(geom)`)).toBe(0);
    expect(await one(`SELECT count(*) FROM districts WHERE NOT ST_IsValid(geom)`)).toBe(0);
  });

  it('tiles: grids make up each community, communities each street, streets the county', async () => {
    const worst = async (parts: string) => one<number>(
      `SELECT coalesce(max(ST_Area(ST_Transform(ST_SymDifference(d.geom, u.geom), $1::int))), -1)
       FROM districts d JOIN (${parts}) u ON u.code = d.code`, [SRID]);
    expect(await worst(`SELECT community_code AS code, ST_Union(geom) AS geom FROM grids GROUP BY 1`)).toBeLessThan(1);
    expect(await worst(`SELECT parent_code AS code, ST_Union(geom) AS geom FROM districts WHERE level = 'community' GROUP BY 1`)).toBeLessThan(1);
    expect(await worst(`SELECT parent_code AS code, ST_Union(geom) AS geom FROM districts WHERE level = 'street' GROUP BY 1`)).toBeLessThan(1);
    expect(await one(`SELECT count(*) FROM districts d WHERE level = 'community' AND NOT EXISTS (SELECT 1 FROM grids g WHERE g.community_code = d.code)`)).toBe(0);
  });

  it('keeps grid codes under their community and work grids inside it', async () => {
    expect(await one(`SELECT count(*) FROM grids WHERE left(code, 12) <> community_code`)).toBe(0);
    expect(await one(`SELECT count(DISTINCT length(code)) FROM grids`)).toBe(2);
    expect(await one(
      `SELECT count(*) FROM grids g JOIN work_grids w ON w.code = g.work_grid_code WHERE w.community_code <> g.community_code`)).toBe(0);
    expect(await one(
      `SELECT coalesce(max(ST_Area(ST_Transform(ST_SymDifference(w.geom, u.geom), $1::int))), -1)
       FROM work_grids w JOIN (SELECT work_grid_code, ST_Union(geom) AS geom FROM grids GROUP BY 1) u ON u.work_grid_code = w.code`, [SRID])).toBeLessThan(1);
  });

  it('puts every case and component inside the district, in the grid its row names', async () => {
    expect(await one(`SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM districts d WHERE d.level = 'county' AND ST_Covers(d.geom, c.geom))`)).toBe(0);
    expect(await one(`SELECT count(*) FROM cases c JOIN grids g ON g.code = c.grid_code WHERE NOT ST_Covers(g.geom, c.geom)`)).toBe(0);
    expect(await one(`SELECT count(*) FROM cases c WHERE NOT EXISTS (SELECT 1 FROM grids g WHERE g.code = c.grid_code)`)).toBe(0);
    expect(await one(`SELECT count(*) FROM components c JOIN grids g ON g.code = c.grid_code WHERE NOT ST_Covers(g.geom, c.geom)`)).toBe(0);
    expect(await one(`SELECT count(*) FROM cases c JOIN components p ON p.id = c.component_id WHERE NOT ST_Equals(p.geom, c.geom)`)).toBe(0);
    expect(await one(`SELECT count(*) FROM cases WHERE component_id IS NOT NULL AND component_id NOT IN (SELECT id FROM components)`)).toBe(0);
  });

  it('records zones and road classes the database agrees with (every 10th case)', async () => {
    const zoneMismatch = await one(
      `SELECT count(*) FROM cases c
       WHERE right(c.id, 1) = '7'
         AND (SELECT coalesce(jsonb_agg(z.id ORDER BY z.id), '[]') FROM zones z WHERE ST_Covers(z.geom, c.geom))
             <> (SELECT coalesce(jsonb_agg(e->>'id' ORDER BY e->>'id'), '[]') FROM jsonb_array_elements(c.zones) e)`);
    expect(zoneMismatch).toBe(0);
    const roadMismatch = await one(
      `SELECT count(*) FROM (
         SELECT c.road_class, c.road_id,
           (SELECT r.id FROM roads r WHERE r.geom && ST_Transform(ST_Expand(ST_Transform(c.geom, $1::int), 30), 4326)
              AND ST_DWithin(ST_Transform(r.geom, $1::int), ST_Transform(c.geom, $1::int), 30)
            ORDER BY ST_Distance(ST_Transform(r.geom, $1::int), ST_Transform(c.geom, $1::int)), r.id LIMIT 1) AS near
         FROM cases c WHERE right(c.id, 1) = '3') x
       WHERE near IS DISTINCT FROM road_id`, [SRID]);
    expect(roadMismatch).toBe(0);
    expect(await one(`SELECT count(*) FROM cases c JOIN roads r ON r.id = c.road_id WHERE r.class <> c.road_class`)).toBe(0);
    expect(await one(`SELECT count(*) FROM cases WHERE road_id IS NULL AND road_class <> 'alley'`)).toBe(0);
  });

  it('moves the daily case-number counters past the loaded ids', async () => {
    const exists = await one<string | null>(`SELECT to_regclass('case_serials')::text`);
    if (!exists) return; // the 001 schema alone has no counters
    expect(await one(
      `SELECT count(*) FROM (SELECT to_date(substr(id, 7, 8), 'YYYYMMDD') AS day, max(right(id, 5)::int) AS top FROM cases GROUP BY 1) c
       LEFT JOIN case_serials s ON s.district_code = $1 AND s.day = c.day WHERE s.last IS DISTINCT FROM c.top`, [manifest.county.code])).toBe(0);
  });
});
