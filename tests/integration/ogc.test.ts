import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { importLayer } from '../../api/layers/import.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { loadMiniCity, miniCity } from '../helpers/mini-city.ts';

const run = promisify(execFile);
const SRID = 32649;
const OPENAPI = 'application/vnd.oai.openapi+json;version=3.0';
const IDS = ['grids', 'work-grids', 'districts', 'roads', 'zones', 'components'];

/** ogrinfo on PATH? (Debian gdal-bin; .ci/run installs it) */
async function hasOgrinfo(): Promise<boolean> {
  try {
    await run('ogrinfo', ['--version']);
    return true;
  } catch {
    return false;
  }
}

describe('OGC API – Features at /ogc', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let base: string;
  const seen: string[] = [];
  const get = async (path: string) => {
    const res = await fetch(path.startsWith('http') ? path : `${base}${path}`);
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    await loadMiniCity(t.db.pool, ['districts', 'grids', 'roads', 'zones', 'components'], SRID);
    const wg = { type: 'FeatureCollection', features: [{ type: 'Feature', properties: { code: 'WG001', name: '西社区责任网格', community_code: '450203001001' }, geometry: miniCity.districts.features[2].geometry }] };
    expect((await importLayer(t.db.pool, 'work-grids', wg, { analysisSrid: SRID })).rejected).toEqual([]);
    app = await buildApp({ db: t.db, config: t.config });
    app.addHook('onRequest', async (req) => {
      seen.push(req.url);
    });
    // a real listening server: GDAL talks HTTP
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('serves a landing page with service-desc, conformance and data links typed as QGIS needs', async () => {
    const { status, type, body } = await get('/ogc');
    expect(status).toBe(200);
    expect(type).toMatch(/^application\/json/);
    const rel = (r: string) => body.links.find((l: any) => l.rel === r);
    expect(rel('service-desc')).toMatchObject({ href: `${base}/ogc/api`, type: OPENAPI });
    expect(rel('conformance')).toMatchObject({ href: `${base}/ogc/conformance`, type: 'application/json' });
    expect(rel('data')).toMatchObject({ href: `${base}/ogc/collections`, type: 'application/json' });
    expect(rel('self').href).toBe(`${base}/ogc`);

    const api = await get('/ogc/api');
    expect(api.type).toBe(OPENAPI);
    expect(api.body.openapi).toMatch(/^3\.0\./);
    expect(Object.keys(api.body.paths)).toEqual(expect.arrayContaining(['/', '/conformance', '/collections', '/collections/{collectionId}/items', '/collections/{collectionId}/items/{featureId}']));
    expect(api.body.components.parameters.limit.schema).toMatchObject({ default: 100, maximum: 10000 });

    const conf = await get('/ogc/conformance');
    expect(conf.body.conformsTo).toEqual(expect.arrayContaining([
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
      'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
    ]));
  });

  it('lists the six collections with extent, CRS and items links, and describes one; cases are not published', async () => {
    const { body } = await get('/ogc/collections');
    expect(body.collections.map((c: any) => c.id)).toEqual(IDS);
    for (const c of body.collections) {
      expect(c.crs).toEqual(['http://www.opengis.net/def/crs/OGC/1.3/CRS84']);
      expect(c.extent.spatial.bbox[0]).toHaveLength(4);
      expect(c.links.find((l: any) => l.rel === 'items')).toMatchObject({ href: `${base}/ogc/collections/${c.id}/items`, type: 'application/geo+json' });
    }
    const grids = await get('/ogc/collections/grids');
    expect(grids.status).toBe(200);
    expect(grids.body).toMatchObject({ id: 'grids', itemType: 'feature', extent: { spatial: { bbox: [[109.45, 24.25, 109.5, 24.3]] } } });
    for (const id of ['cases', 'nope']) {
      const r = await get(`/ogc/collections/${id}`);
      expect(r.status).toBe(404);
      expect(r.body).toMatchObject({ code: 'NotFound', description: expect.stringContaining(`unknown collection "${id}"`) });
      expect((await get(`/ogc/collections/${id}/items`)).status).toBe(404);
    }
  });

  it('serves items as GeoJSON with numberMatched/numberReturned and next links through every page', async () => {
    const first = await get('/ogc/collections/grids/items');
    expect(first.status).toBe(200);
    expect(first.type).toMatch(/^application\/geo\+json/);
    expect(first.body).toMatchObject({ type: 'FeatureCollection', numberMatched: 4, numberReturned: 4 });
    expect(first.body.features[0]).toMatchObject({ type: 'Feature', id: '45020300100101', properties: { code: '45020300100101', community_code: '450203001001' } });
    expect(first.body.links.find((l: any) => l.rel === 'next')).toBeUndefined();

    const ids: string[] = [];
    let url: string | undefined = '/ogc/collections/components/items?limit=7';
    let pages = 0;
    while (url) {
      const page = await get(url);
      expect(page.body.numberMatched).toBe(20);
      expect(page.body.numberReturned).toBe(page.body.features.length);
      ids.push(...page.body.features.map((f: any) => f.id));
      const next = page.body.links.find((l: any) => l.rel === 'next');
      if (next) expect(next.type).toBe('application/geo+json');
      url = next?.href;
      pages++;
    }
    expect(pages).toBe(3);
    expect(ids).toEqual(miniCity.components.features.map((f) => f.properties!.id));

    const prev = await get('/ogc/collections/components/items?limit=7&offset=14');
    expect(prev.body.links.find((l: any) => l.rel === 'prev').href).toBe(`${base}/ogc/collections/components/items?limit=7&offset=7`);
  });

  it('filters by bbox (4 or 6 values) and caps a too large limit', async () => {
    const all = await get('/ogc/collections/components/items?bbox=109.45,24.27,109.46,24.28');
    expect(all.body.numberMatched).toBe(5); // x = 109.451 … 109.459
    expect(all.body.features.every((f: any) => f.geometry.coordinates[0] <= 109.46)).toBe(true);
    const h = await get('/ogc/collections/components/items?bbox=109.45,24.27,0,109.46,24.28,100');
    expect(h.body.numberMatched).toBe(5);
    const paged = await get('/ogc/collections/components/items?bbox=109.45,24.27,109.46,24.28&limit=2');
    expect(paged.body.links.find((l: any) => l.rel === 'next').href).toBe(`${base}/ogc/collections/components/items?bbox=109.45%2C24.27%2C109.46%2C24.28&limit=2&offset=2`);
    const big = await get('/ogc/collections/components/items?limit=20000');
    expect(big.status).toBe(200);
    expect(big.body.links.find((l: any) => l.rel === 'self').href).toMatch(/limit=10000/);
  });

  it('answers 400 naming the parameter for bad bbox, limit and offset', async () => {
    const cases: [string, RegExp][] = [
      ['limit=0', /limit must be a whole number from 1 to 10000, got "0"/],
      ['limit=abc', /limit must be a whole number/],
      ['limit=-5', /limit must be a whole number/],
      ['limit=1.5', /limit must be a whole number/],
      ['offset=-1', /offset must be a whole number/],
      ['bbox=1,2,3', /bbox must be minLon,minLat,maxLon,maxLat \(4 numbers\), got 3 values/],
      ['bbox=a,b,c,d', /bbox values must be numbers/],
      ['bbox=24.27,109.45,24.28,109.46', /bbox is outside WGS84 longitude\/latitude range/],
      ['bbox=109.46,24.27,109.45,24.28', /bbox min must be below max/],
      ['bbox=109.45,24.27,109.46,24.28&bbox-crs=http://www.opengis.net/def/crs/EPSG/0/4490', /bbox-crs .* is not supported/],
    ];
    for (const [q, msg] of cases) {
      const r = await get(`/ogc/collections/components/items?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.code).toBe('InvalidParameterValue');
      expect(r.body.description).toMatch(msg);
    }
  });

  it('serves single items and 404 for unknown ones', async () => {
    const f = await get('/ogc/collections/grids/items/45020300100202');
    expect(f.status).toBe(200);
    expect(f.type).toMatch(/^application\/geo\+json/);
    expect(f.body).toMatchObject({ type: 'Feature', id: '45020300100202', geometry: { type: 'MultiPolygon' }, properties: { version: 1 } });
    expect(f.body.links.map((l: any) => l.rel)).toEqual(['self', 'collection']);
    const road = await get('/ogc/collections/roads/items/r2');
    expect(road.body.properties).toMatchObject({ name: '柳东路', class: 'secondary' });
    const none = await get('/ogc/collections/grids/items/99999999999999');
    expect(none.status).toBe(404);
    expect(none.body.description).toMatch(/no feature "99999999999999" in collection grids/);
  });

  describe('GDAL (ogrinfo, OAPIF driver)', async () => {
    const ogr = await hasOgrinfo();
    if (!ogr) console.warn('[ogc.test] ogrinfo not found: skipping the GDAL checks (Debian package gdal-bin)');

    it.skipIf(!ogr)('lists the collections', async () => {
      const { stdout } = await run('ogrinfo', ['-ro', '-so', `OAPIF:${base}/ogc`]);
      expect(stdout).toMatch(/using driver `OAPIF' successful/);
      expect(stdout).toMatch(/1: grids \(title: 单元网格 Unit grids\) \(Multi Polygon\)/);
      expect(stdout).toMatch(/2: work-grids .*\n/);
      expect(stdout).toMatch(/4: roads .*\(Multi Line String\)/);
      expect(stdout).toMatch(/6: components .*\(Point\)/);
      expect(stdout).not.toMatch(/cases/);
    });

    it.skipIf(!ogr)('reads a feature by fid and a whole layer, paging by next links', async () => {
      const one = await run('ogrinfo', ['-ro', `OAPIF:${base}/ogc`, 'grids', '-fid', '1']);
      expect(one.stdout).toMatch(/Feature Count: 4/);
      expect(one.stdout).toMatch(/Extent: \(109\.450000, 24\.250000\) - \(109\.500000, 24\.300000\)/);
      expect(one.stdout).toMatch(/code \(String\) = 45020300100101/);
      expect(one.stdout).toMatch(/MULTIPOLYGON \(\(\(109\.45 24\.25,109\.475 24\.25,109\.475 24\.275,109\.45 24\.275,109\.45 24\.25\)\)\)/);

      seen.length = 0;
      const all = await run('ogrinfo', ['-ro', '-al', '-q', '-oo', 'PAGE_SIZE=7', `OAPIF:${base}/ogc/collections/components`]);
      expect(all.stdout.match(/OGRFeature\(components\):\d+/g)).toHaveLength(20);
      expect(all.stdout).toMatch(/id \(String\) = 4502030101000020/);
      expect(seen.filter((u) => u.startsWith('/ogc/collections/components/items')).some((u) => u.includes('offset=14'))).toBe(true);
    });
  });
});
