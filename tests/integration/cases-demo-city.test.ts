// Intake derivations on the demo city, checked against independent SQL (geography distances, plain polygon tests)
// at points spread over the county, inside every zone and on top of open cases.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { loadDemoCity } from '../../api/demo/load.ts';
import { generateCity } from '../../scripts/demo-city/generate.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { caseApp, client, TOKENS } from '../helpers/cases.ts';

const SNAP = 30;
const DUP = 100;

interface Expected {
  grid: string | null;
  community: string | null;
  zones: string[];
  road: { class: string; m: number; second: number | null } | null;
}

describe('intake on the demo city', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let api: ReturnType<typeof client>;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'citylens-demo-cases-'));
    await generateCity({ seed: 1, cases: 3000, components: 200, end: '2026-11-20', out: dir });
    t = await createTestDatabase();
    await loadDemoCity(t.db.pool, dir);
    app = await caseApp(t);
    api = client(app);
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  /** The same facts by other means: polygon containment and spheroid (geography) distances. */
  const expected = async (lon: number, lat: number): Promise<Expected> => {
    const { rows } = await t.db.pool.query(
      `WITH p AS (SELECT ST_SetSRID(ST_MakePoint($1, $2), 4326) AS g)
       SELECT (SELECT code FROM grids, p WHERE ST_Covers(grids.geom, p.g) ORDER BY code LIMIT 1) AS grid,
              (SELECT code FROM districts, p WHERE level = 'community' AND ST_Covers(districts.geom, p.g) ORDER BY code LIMIT 1) AS community,
              (SELECT COALESCE(array_agg(id ORDER BY id), '{}') FROM zones, p WHERE ST_Intersects(zones.geom, p.g)) AS zones,
              (SELECT json_agg(r) FROM (SELECT class, ST_Distance(roads.geom::geography, p.g::geography) AS m FROM roads, p
                 WHERE ST_DWithin(roads.geom::geography, p.g::geography, ${SNAP + 1}) ORDER BY 2 LIMIT 2) r) AS roads`,
      [lon, lat],
    );
    const r = rows[0];
    const near = r.roads?.[0];
    return { grid: r.grid, community: r.community, zones: r.zones, road: near && near.m <= SNAP + 0.1 ? { class: near.class, m: near.m, second: r.roads[1]?.m ?? null } : null };
  };

  it('derives grid, community, road class and zones like independent SQL does, at 300 points', async () => {
    const { rows: pts } = await t.db.pool.query<{ lon: number; lat: number }>(
      `SELECT ST_X(g) AS lon, ST_Y(g) AS lat FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, 300, 11))).geom AS g FROM districts WHERE level = 'county') s`);
    const roadClasses = new Set<string>();
    let checked = 0;
    for (const [i, p] of pts.entries()) {
      const r = await api.report({ source: 'patrol', kind: 'event', minor: '0102', description: `样点 ${i}`, lon: p.lon, lat: p.lat });
      expect(r.status, r.raw).toBe(201);
      const e = await expected(p.lon, p.lat);
      expect(r.body.gridCode).toBe(e.grid);
      expect(r.body.communityCode).toBe(e.community);
      expect(r.body.streetCode).toBe(e.community!.slice(0, 9));
      expect(r.body.districtCode).toBe('450203');
      expect(r.body.zones.map((z: { id: string }) => z.id)).toEqual(e.zones);
      expect(r.body.workGridCode).toMatch(/\S/);
      // UTM and the spheroid differ by < 0.1 %: skip the few points whose call depends on that
      const ambiguous = e.road && (Math.abs(e.road.m - SNAP) < 0.1 || (e.road.second !== null && e.road.second - e.road.m < 0.1));
      if (ambiguous) continue;
      expect(r.body.roadClass).toBe(e.road && e.road.m <= SNAP ? e.road.class : 'alley');
      roadClasses.add(r.body.roadClass);
      checked++;
    }
    expect(checked).toBeGreaterThan(280);
    expect([...roadClasses].sort()).toEqual(['alley', 'main', 'secondary']);
  });

  it('flags zone violations inside every zone: prohibited always, restricted outside its windows, key areas never', async () => {
    const { rows: zones } = await t.db.pool.query<{ id: string; level: string; governed: string[]; lon: number; lat: number }>(
      `SELECT z.id, z.level, z.governed_minors AS governed, ST_X(pt) AS lon, ST_Y(pt) AS lat
       FROM zones z, LATERAL (SELECT (ST_Dump(ST_GeneratePoints(z.geom, 1, 3))).geom AS pt) g ORDER BY z.id`);
    expect(new Set(zones.map((z) => z.level))).toEqual(new Set(['prohibited', 'restricted', 'key']));
    // 03:00 local on a Tuesday: outside every allowed window of the demo city
    const night = '2026-11-17T03:00:00+08:00';
    for (const z of zones) {
      const [kind, minor] = z.governed[0].split(':');
      const r = await api.report({ source: 'patrol', kind, minor, description: `区域 ${z.id}`, lon: z.lon, lat: z.lat, reportedAt: night });
      expect(r.status, r.raw).toBe(201);
      expect(r.body.zones.map((x: { id: string }) => x.id)).toContain(z.id);
      const others = r.body.zones.filter((x: { id: string }) => x.id !== z.id).map((x: { level: string }) => x.level);
      if (z.level === 'prohibited') expect(r.body.zoneViolation).toBe('prohibited');
      if (z.level === 'restricted' && !others.includes('prohibited')) expect(r.body.zoneViolation).toBe('restricted');
      if (z.level === 'key' && others.length === 0) expect(r.body.zoneViolation).toBe(null);
      if (r.body.zoneViolation) {
        const types = (await t.db.pool.query(`SELECT type FROM case_events WHERE case_id = $1 ORDER BY id`, [r.body.id])).rows.map((e) => e.type);
        expect(types).toContain('zone.violation');
      }
    }
    // an ungoverned category never violates
    const z = zones.find((x) => x.level === 'prohibited')!;
    const comp = await api.report({ source: 'patrol', kind: 'component', minor: '0101', description: '井盖', lon: z.lon, lat: z.lat, reportedAt: night });
    expect(comp.body.zoneViolation).toBe(null);
  });

  it('suggests the open cases of the same category nearby as duplicates, like independent SQL does', async () => {
    const { rows: open } = await t.db.pool.query<{ id: string; kind: string; minor: string; lon: number; lat: number }>(
      `SELECT id, kind, minor, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM cases
       WHERE status NOT IN ('closed', 'voided') AND description NOT LIKE '样点%' AND description NOT LIKE '区域%' ORDER BY id LIMIT 20`);
    expect(open.length).toBeGreaterThan(5);
    for (const c of open) {
      const lon = c.lon + 0.0002; // ~20 m east
      const { rows } = await t.db.pool.query<{ id: string; m: number }>(
        `SELECT id, ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography) AS m FROM cases
         WHERE status NOT IN ('closed', 'voided') AND kind = $3 AND minor = $4
           AND ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography, ${DUP})
         ORDER BY round(ST_Distance(geom::geography, ST_SetSRID(ST_MakePoint($1, $2), 4326)::geography)::numeric, 1), reported_at DESC, id LIMIT 5`,
        [lon, c.lat, c.kind, c.minor],
      );
      const r = await api.report({ source: 'hotline', kind: c.kind, minor: c.minor, description: `重复 ${c.id}`, lon, lat: c.lat }, TOKENS.operator);
      expect(r.status, r.raw).toBe(201);
      const got = r.body.possibleDuplicates;
      expect(got.map((d: { id: string }) => d.id)).toContain(c.id);
      if (!rows.some((x) => Math.abs(x.m - DUP) < 0.2)) expect(got.map((d: { id: string }) => d.id)).toEqual(rows.map((x) => x.id));
      for (const [k, d] of got.entries()) expect(d.distance).toBeCloseTo(rows[k].m, 0);
    }
  });
});
