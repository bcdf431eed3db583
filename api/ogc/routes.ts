/**
 * OGC API – Features (Part 1: Core, GeoJSON, OpenAPI 3.0) at /ogc, so QGIS and GDAL read our layers. Per the
 * pitfalls in DESIGN §7: the landing page links `service-desc` typed application/vnd.oai.openapi+json;version=3.0
 * and `data` typed application/json; `next` links are typed application/geo+json; links are absolute.
 * Paging is limit + offset (GDAL follows `next`), ordered by the layer key so pages are stable.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseItemsQuery } from '../domain/ogc.ts';
import { COLLECTIONS, collectionById, CRS84, type Collection } from './collections.ts';
import { DEFAULT_LIMIT, MAX_LIMIT, openApiDocument } from './openapi.ts';

const JSON_TYPE = 'application/json';
const GEOJSON = 'application/geo+json';
const OPENAPI = 'application/vnd.oai.openapi+json;version=3.0';

export const CONFORMANCE = [
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson',
  'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30',
];

/** Base URL as the client reached us (absolute links: some clients do not resolve relative ones). */
const baseOf = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

/** OGC exception body. */
const fail = (reply: FastifyReply, status: number, code: string, description: string) =>
  reply.status(status).type(JSON_TYPE).send({ code, description });

export async function ogcRoutes(app: FastifyInstance) {
  // extents change only on writes: keyed by the layer version the tile cache also uses
  const extents = new Map<string, { version: number; bbox: number[] | null }>();
  async function extentOf(c: Collection): Promise<number[] | null> {
    const { rows: v } = await app.db.pool.query<{ version: number }>(`SELECT version FROM layer_versions WHERE layer = $1`, [c.id]);
    const version = Number(v[0]?.version ?? 0);
    const hit = extents.get(c.id);
    if (hit && hit.version === version) return hit.bbox;
    const { rows } = await app.db.pool.query(
      `SELECT ST_XMin(e) AS x0, ST_YMin(e) AS y0, ST_XMax(e) AS x1, ST_YMax(e) AS y1 FROM (SELECT ST_Extent(geom) AS e FROM ${c.def.table}) s`,
    );
    const r = rows[0];
    const bbox = r?.x0 == null ? null : [r.x0, r.y0, r.x1, r.y1].map(Number);
    extents.set(c.id, { version, bbox });
    return bbox;
  }

  async function describe(c: Collection, base: string) {
    const bbox = await extentOf(c);
    const url = `${base}/ogc/collections/${c.id}`;
    return {
      id: c.id,
      title: c.title,
      description: c.description,
      itemType: 'feature',
      crs: [CRS84],
      storageCrs: CRS84,
      ...(bbox ? { extent: { spatial: { bbox: [bbox], crs: CRS84 } } } : {}),
      links: [
        { href: url, rel: 'self', type: JSON_TYPE, title: c.title },
        { href: `${url}/items`, rel: 'items', type: GEOJSON, title: `${c.title} (GeoJSON)` },
      ],
    };
  }

  app.get('/ogc', async (req, reply) => {
    const base = baseOf(req);
    reply.type(JSON_TYPE);
    return {
      title: '城管慧眼 citylens — OGC API – Features',
      description: 'Unit grids, work grids, districts, roads, zones and components (WGS84).',
      links: [
        { href: `${base}/ogc`, rel: 'self', type: JSON_TYPE, title: 'This document' },
        { href: `${base}/ogc/api`, rel: 'service-desc', type: OPENAPI, title: 'API definition (OpenAPI 3.0)' },
        { href: `${base}/ogc/conformance`, rel: 'conformance', type: JSON_TYPE, title: 'Conformance classes' },
        { href: `${base}/ogc/collections`, rel: 'data', type: JSON_TYPE, title: 'Collections' },
      ],
    };
  });

  app.get('/ogc/api', async (req, reply) => {
    // a Buffer keeps the media type verbatim (Fastify rewrites JSON-ish types of string bodies, adding a charset)
    reply.header('content-type', OPENAPI);
    return Buffer.from(JSON.stringify(openApiDocument(baseOf(req))));
  });

  app.get('/ogc/conformance', async (_req, reply) => {
    reply.type(JSON_TYPE);
    return { conformsTo: CONFORMANCE };
  });

  app.get('/ogc/collections', async (req, reply) => {
    const base = baseOf(req);
    const collections = [];
    for (const c of COLLECTIONS) collections.push(await describe(c, base));
    reply.type(JSON_TYPE);
    return { links: [{ href: `${base}/ogc/collections`, rel: 'self', type: JSON_TYPE, title: 'Collections' }], collections };
  });

  app.get<{ Params: { id: string } }>('/ogc/collections/:id', async (req, reply) => {
    const c = collectionById(req.params.id);
    if (!c) return fail(reply, 404, 'NotFound', `unknown collection "${req.params.id}"; collections: ${COLLECTIONS.map((x) => x.id).join(', ')}`);
    reply.type(JSON_TYPE);
    return describe(c, baseOf(req));
  });

  app.get<{ Params: { id: string }; Querystring: Record<string, unknown> }>('/ogc/collections/:id/items', async (req, reply) => {
    const c = collectionById(req.params.id);
    if (!c) return fail(reply, 404, 'NotFound', `unknown collection "${req.params.id}"; collections: ${COLLECTIONS.map((x) => x.id).join(', ')}`);
    let q;
    try {
      q = parseItemsQuery(req.query, DEFAULT_LIMIT, MAX_LIMIT);
    } catch (err) {
      return fail(reply, 400, 'InvalidParameterValue', (err as Error).message);
    }
    const params: unknown[] = [];
    let where = '';
    if (q.bbox) {
      params.push(...q.bbox);
      where = `WHERE geom && ST_MakeEnvelope($1, $2, $3, $4, 4326) AND ST_Intersects(geom, ST_MakeEnvelope($1, $2, $3, $4, 4326))`;
    }
    const { rows: count } = await app.db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${c.def.table} ${where}`, params);
    const matched = Number(count[0].n);
    const { rows } = await app.db.pool.query(
      `SELECT ${c.columns.join(', ')}, ST_AsGeoJSON(geom, 9) AS geometry FROM ${c.def.table} ${where}
       ORDER BY ${c.def.key} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, q.limit, q.offset],
    );
    const base = baseOf(req);
    const page = (offset: number) => {
      const sp = new URLSearchParams();
      if (typeof req.query.bbox === 'string') sp.set('bbox', req.query.bbox);
      sp.set('limit', String(q.limit));
      sp.set('offset', String(offset));
      return `${base}/ogc/collections/${c.id}/items?${sp}`;
    };
    const links = [
      { href: page(q.offset), rel: 'self', type: GEOJSON, title: 'This page' },
      { href: `${base}/ogc/collections/${c.id}`, rel: 'collection', type: JSON_TYPE, title: c.title },
    ];
    if (q.offset + rows.length < matched) links.push({ href: page(q.offset + q.limit), rel: 'next', type: GEOJSON, title: 'Next page' });
    if (q.offset > 0) links.push({ href: page(Math.max(0, q.offset - q.limit)), rel: 'prev', type: GEOJSON, title: 'Previous page' });
    reply.type(GEOJSON);
    return {
      type: 'FeatureCollection',
      features: rows.map((r) => toFeature(c, r)),
      links,
      timeStamp: new Date().toISOString(),
      numberMatched: matched,
      numberReturned: rows.length,
    };
  });

  app.get<{ Params: { id: string; fid: string } }>('/ogc/collections/:id/items/:fid', async (req, reply) => {
    const c = collectionById(req.params.id);
    if (!c) return fail(reply, 404, 'NotFound', `unknown collection "${req.params.id}"`);
    const { rows } = await app.db.pool.query(
      `SELECT ${c.columns.join(', ')}, ST_AsGeoJSON(geom, 9) AS geometry FROM ${c.def.table} WHERE ${c.def.key} = $1`,
      [req.params.fid],
    );
    if (!rows.length) return fail(reply, 404, 'NotFound', `no feature "${req.params.fid}" in collection ${c.id}`);
    const base = baseOf(req);
    reply.type(GEOJSON);
    return {
      ...toFeature(c, rows[0]),
      links: [
        { href: `${base}/ogc/collections/${c.id}/items/${encodeURIComponent(req.params.fid)}`, rel: 'self', type: GEOJSON, title: 'This feature' },
        { href: `${base}/ogc/collections/${c.id}`, rel: 'collection', type: JSON_TYPE, title: c.title },
      ],
    };
  });
}

function toFeature(c: Collection, r: Record<string, unknown>) {
  return {
    type: 'Feature',
    id: String(r[c.def.key]),
    geometry: JSON.parse(String(r.geometry)),
    properties: Object.fromEntries(c.names.map((n) => [n, r[n] instanceof Date ? (r[n] as Date).toISOString() : r[n]])),
  };
}
