import type { FastifyInstance } from 'fastify';
import { columnName, isLayerName, LAYER_NAMES, LAYERS } from './catalog.ts';
import { parseBbox } from '../domain/tiles.ts';

interface LayerQuery { bbox?: string; limit?: number; cursor?: string }

/** `GET /api/layers/:layer` — GeoJSON of a layer, optionally within a bbox, paged by key (`next` cursor). */
export async function layerRoutes(app: FastifyInstance) {
  app.get<{ Params: { layer: string }; Querystring: LayerQuery }>('/api/layers/:layer', {
    schema: {
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          bbox: { type: 'string' },
          limit: { type: 'integer', minimum: 1, maximum: 10000 },
          cursor: { type: 'string', maxLength: 64 },
        },
      },
    },
  }, async (req, reply) => {
    const { layer } = req.params;
    if (!isLayerName(layer)) return reply.status(404).send({ error: 'unknown_layer', message: `unknown layer "${layer}"; layers: ${LAYER_NAMES.join(', ')}` });
    const def = LAYERS[layer];
    const where: string[] = [];
    const params: unknown[] = [];
    if (req.query.bbox !== undefined) {
      let bbox: number[];
      try {
        bbox = parseBbox(req.query.bbox);
      } catch (err) {
        return reply.status(400).send({ error: 'bad_bbox', message: (err as Error).message });
      }
      params.push(...bbox);
      where.push(`geom && ST_MakeEnvelope($1, $2, $3, $4, 4326)`);
    }
    if (req.query.cursor) {
      params.push(req.query.cursor);
      where.push(`${def.key} > $${params.length}`);
    }
    const limit = Math.min(req.query.limit ?? def.maxPage, def.maxPage);
    params.push(limit + 1);
    const cols = [...def.tileProps, ...def.extraProps];
    const { rows } = await app.db.pool.query(
      `SELECT ${cols.join(', ')}, ST_AsGeoJSON(geom, 7) AS geometry FROM ${def.table}
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${def.key} LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const names = cols.map(columnName);
    const body: Record<string, unknown> = {
      type: 'FeatureCollection',
      features: page.map((r) => ({
        type: 'Feature',
        id: r[def.key],
        geometry: JSON.parse(r.geometry),
        properties: Object.fromEntries(names.map((n) => [n, r[n]])),
      })),
    };
    if (rows.length > limit) {
      const next = new URLSearchParams({ ...(req.query.bbox ? { bbox: req.query.bbox } : {}), limit: String(limit), cursor: String(page[page.length - 1][def.key]) });
      body.next = `/api/layers/${layer}?${next}`;
    }
    reply.header('cache-control', def.live ? 'no-store' : 'no-cache');
    return body;
  });
}
