import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { importLayer } from '../../api/layers/import.ts';
import { buildTile } from '../../api/tiles/build.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';
import { loadMiniCity, miniCity } from '../helpers/mini-city.ts';
import { decodeLayer, ringArea, tileOf } from '../helpers/mvt.ts';

const SRID = 32649;

describe('layers and tiles', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await createTestDatabase();
    await loadMiniCity(t.db.pool, ['districts', 'grids', 'roads', 'zones', 'components'], SRID);
    app = await buildApp({ db: t.db, config: t.config });
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  const tile = async (path: string, headers: Record<string, string> = {}) => {
    const res = await app.inject({ url: path, headers });
    return { res, body: res.rawPayload };
  };

  it('serves district, grid, road, zone and component tiles that decode with their properties', async () => {
    const z14 = tileOf(109.475, 24.275, 14);
    const { res, body } = await tile(`/tiles/grids/14/${z14.x}/${z14.y}.mvt`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
    const grids = decodeLayer(body, 'grids');
    expect(grids.map((f) => f.properties.code).sort()).toEqual(miniCity.grids.features.map((f) => f.properties!.code).sort());
    for (const g of grids) {
      expect(g.type).toBe(3);
      expect(typeof g.id).toBe('number');
      expect(ringArea(g.geometry[0])).toBeGreaterThan(0); // exterior rings clockwise in tile space
    }
    const roads = decodeLayer((await tile(`/tiles/roads/14/${z14.x}/${z14.y}.mvt`)).body, 'roads');
    expect(roads.map((f) => [f.properties.name, f.properties.class]).sort()).toEqual([['柳东路', 'secondary'], ['阳和大道', 'main']]);
    const zones = decodeLayer((await tile(`/tiles/zones/14/${z14.x}/${z14.y}.mvt`)).body, 'zones');
    expect(zones[0].properties).toMatchObject({ id: 'z1', level: 'prohibited' });
    const z16 = tileOf(109.4505, 24.2751, 16);
    const comps = decodeLayer((await tile(`/tiles/components/16/${z16.x}/${z16.y}.mvt`)).body, 'components');
    expect(comps.length).toBeGreaterThan(0);
    expect(comps[0].type).toBe(1);
    expect(comps.find((f) => f.properties.id === '4502030101000001')?.properties).toMatchObject({ kind_code: '0101', status: 'damaged' });
    const z8 = tileOf(109.475, 24.275, 8);
    const districts = decodeLayer((await tile(`/tiles/districts/8/${z8.x}/${z8.y}.mvt`)).body, 'districts');
    expect(districts.map((f) => f.properties.level).sort()).toEqual(['community', 'community', 'county', 'street']);
  });

  it('returns empty tiles below a layer\'s min zoom and outside the data', async () => {
    const z10 = tileOf(109.475, 24.275, 10);
    expect((await tile(`/tiles/components/10/${z10.x}/${z10.y}.mvt`)).body.length).toBe(0);
    const { res, body } = await tile(`/tiles/grids/14/0/0.mvt`);
    expect(res.statusCode).toBe(200);
    expect(body.length).toBe(0);
  });

  it('caches static tiles, answers If-None-Match with 304, and drops the cache when the layer changes', async () => {
    const z14 = tileOf(109.475, 24.275, 14);
    const url = `/tiles/roads/14/${z14.x}/${z14.y}.mvt`;
    const first = await tile(url);
    const second = await tile(url);
    expect(second.res.headers['x-tile-cache']).toBe('hit');
    expect(second.body.equals(first.body)).toBe(true);
    const etag = String(second.res.headers.etag);
    expect((await tile(url, { 'if-none-match': etag })).res.statusCode).toBe(304);

    const extra = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'r3', name: '新建路', class: 'alley' }, geometry: { type: 'LineString', coordinates: [[109.46, 24.26], [109.49, 24.29]] } }] };
    expect((await importLayer(t.db.pool, 'roads', extra, { analysisSrid: SRID })).written).toBe(1);
    await new Promise((r) => setTimeout(r, 1100)); // versions are reread at most once a second
    const after = await tile(url);
    expect(after.res.headers.etag).not.toBe(etag);
    expect(decodeLayer(after.body, 'roads').map((f) => f.properties.name)).toContain('新建路');
  });

  it('serves the basemap\'s static layers in one composite tile: each layer as its own tile, from its min zoom', async () => {
    const z14 = tileOf(109.475, 24.275, 14);
    const { res, body } = await tile(`/tiles/base/14/${z14.x}/${z14.y}.mvt`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.mapbox-vector-tile');
    for (const layer of ['districts', 'grids', 'roads', 'zones'] as const) {
      const own = decodeLayer((await tile(`/tiles/${layer}/14/${z14.x}/${z14.y}.mvt`)).body, layer);
      expect(own.length, layer).toBeGreaterThan(0);
      expect(decodeLayer(body, layer), layer).toEqual(own);
    }
    expect(decodeLayer(body, 'components')).toEqual([]); // components keep their own source
    // z10: districts and roads (from z10), not yet grids (z12) nor zones (z11)
    const z10 = tileOf(109.475, 24.275, 10);
    const low = (await tile(`/tiles/base/10/${z10.x}/${z10.y}.mvt`)).body;
    expect(decodeLayer(low, 'districts').length).toBeGreaterThan(0);
    expect(decodeLayer(low, 'roads').length).toBeGreaterThan(0);
    expect(decodeLayer(low, 'grids')).toEqual([]);
    expect(decodeLayer(low, 'zones')).toEqual([]);
  });

  it('revalidates the composite tile over the versions of its layers', async () => {
    const z14 = tileOf(109.475, 24.275, 14);
    const url = `/tiles/base/14/${z14.x}/${z14.y}.mvt`;
    const first = await tile(url);
    const etag = String(first.res.headers.etag);
    expect(first.res.headers['cache-control']).toContain('must-revalidate');
    expect((await tile(url)).res.headers['x-tile-cache']).toBe('hit');
    expect((await tile(url, { 'if-none-match': etag })).res.statusCode).toBe(304);

    const extra = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'z9', name: '新划定区', level: '重点区域' }, geometry: { type: 'Polygon', coordinates: [[[109.47, 24.27], [109.48, 24.27], [109.48, 24.28], [109.47, 24.28], [109.47, 24.27]]] } }] };
    expect((await importLayer(t.db.pool, 'zones', extra, { analysisSrid: SRID })).written).toBe(1);
    await new Promise((r) => setTimeout(r, 1100)); // versions are reread at most once a second
    const after = await tile(url, { 'if-none-match': etag });
    expect(after.res.statusCode).toBe(200);
    expect(after.res.headers.etag).not.toBe(etag);
    expect(decodeLayer(after.body, 'zones').map((f) => f.properties.name)).toContain('新划定区');
    expect(decodeLayer(after.body, 'roads').length).toBeGreaterThan(0); // the other layers still there
  });

  it('rejects bad tile requests with a message naming the problem', async () => {
    const cases: [string, number, RegExp][] = [
      ['/tiles/nope/1/0/0.mvt', 404, /unknown layer "nope"/],
      ['/tiles/grids/25/0/0.mvt', 400, /zoom z=25/],
      ['/tiles/grids/2/4/0.mvt', 400, /x=4 is outside 0–3/],
      ['/tiles/grids/2/0/9.mvt', 400, /y=9 is outside/],
      ['/tiles/grids/2/0/x.mvt', 400, /must end in \{y\}\.mvt/],
      ['/tiles/grids/-1/0/0.mvt', 400, /non-negative integers/],
      ['/tiles/base/25/0/0.mvt', 400, /zoom z=25/],
      ['/tiles/base/2/0/x.mvt', 400, /must end in \{y\}\.mvt/],
    ];
    for (const [url, status, msg] of cases) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(status);
      expect(res.json().message, url).toMatch(msg);
    }
  });

  it('serves layers as GeoJSON with bbox filtering and paging', async () => {
    const all = (await app.inject('/api/layers/grids')).json();
    expect(all.type).toBe('FeatureCollection');
    expect(all.features).toHaveLength(4);
    expect(all.features[0].properties).toMatchObject({ code: '45020300100101', community_code: '450203001001' });
    const west = (await app.inject('/api/layers/grids?bbox=109.451,24.251,109.46,24.26')).json();
    expect(west.features.map((f: { id: string }) => f.id)).toEqual(['45020300100101']);
    const page1 = (await app.inject('/api/layers/components?limit=15')).json();
    expect(page1.features).toHaveLength(15);
    const page2 = (await app.inject(page1.next)).json();
    expect(page2.features).toHaveLength(5);
    expect(page2.next).toBeUndefined();
    const bad = await app.inject('/api/layers/grids?bbox=1,2,3');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/4 numbers/);
    expect((await app.inject('/api/layers/grids?bbox=10,20,5,30')).json().message).toMatch(/min must be below max/);
    expect((await app.inject('/api/layers/nope')).statusCode).toBe(404);
    expect((await app.inject('/api/layers/grids?limit=0')).statusCode).toBe(400);
  });

  it.runIf(serverUrl)('gives the same features from ST_AsMVT and from the TypeScript encoder used on the embedded database', async () => {
    for (const [layer, z] of [['grids', 14], ['grids', 12], ['roads', 15], ['zones', 13], ['components', 16], ['districts', 9]] as const) {
      const c = layer === 'zones' ? tileOf(109.475, 24.275, z) : tileOf(109.4515, 24.2751, z);
      const a = decodeLayer(await buildTile(t.db.pool, 'postgis', layer, c), layer);
      const b = decodeLayer(await buildTile(t.db.pool, 'typescript', layer, c), layer);
      expect(a.length, `${layer} z${z}`).toBeGreaterThan(0);
      const norm = (fs: typeof a) => fs.map((f) => ({ id: f.id, type: f.type, properties: f.properties })).sort((x, y) => x.id! - y.id!);
      expect(norm(b), `${layer} z${z}`).toEqual(norm(a));
      // geometry: same number of parts, vertices within a tile unit (clipping differs only at the buffer edge)
      const byId = new Map(a.map((f) => [f.id, f]));
      for (const f of b) {
        const g = byId.get(f.id)!;
        expect(f.geometry.length).toBe(g.geometry.length);
        if (f.type === 1) expect(Math.abs(f.geometry[0][0].x - g.geometry[0][0].x)).toBeLessThanOrEqual(1);
      }
    }
  });
});
