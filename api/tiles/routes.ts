import type { FastifyInstance } from 'fastify';
import { isLayerName, LAYER_NAMES, LAYERS } from '../layers/catalog.ts';
import { tileProblem } from '../domain/tiles.ts';
import { buildTile, type TileEncoder } from './build.ts';
import { TileCache } from './cache.ts';

const MVT = 'application/vnd.mapbox-vector-tile';

export async function tileRoutes(app: FastifyInstance) {
  const cache = new TileCache(app.db.pool);
  const encoder: TileEncoder = app.db.kind === 'postgis' ? 'postgis' : 'typescript';
  const inflight = new Map<string, Promise<Buffer>>();

  app.get<{ Params: { layer: string; z: string; x: string; y: string } }>('/tiles/:layer/:z/:x/:y', async (req, reply) => {
    const { layer, z, x } = req.params;
    const yMatch = /^(\d+)\.(mvt|pbf)$/.exec(req.params.y);
    if (!isLayerName(layer)) return reply.status(404).send({ error: 'unknown_layer', message: `unknown layer "${layer}"; layers: ${LAYER_NAMES.join(', ')}` });
    if (!yMatch) return reply.status(400).send({ error: 'bad_tile', message: `tile path must end in {y}.mvt, got "${req.params.y}"` });
    const tile = { z: Number(z), x: Number(x), y: Number(yMatch[1]) };
    if (!/^\d+$/.test(z) || !/^\d+$/.test(x)) return reply.status(400).send({ error: 'bad_tile', message: `z and x must be non-negative integers, got z=${z} x=${x}` });
    const problem = tileProblem(tile);
    if (problem) return reply.status(400).send({ error: 'bad_tile', message: problem });

    reply.header('content-type', MVT);
    if (LAYERS[layer].live) {
      reply.header('cache-control', 'no-store');
      return buildTile(app.db.pool, encoder, layer, tile);
    }
    const version = await cache.version(layer);
    const key = `${layer}/${version}/${tile.z}/${tile.x}/${tile.y}`;
    const etag = `W/"${layer}-${version}"`;
    // revalidate every time: a grid edit must show at once, and a 304 costs next to nothing
    reply.header('cache-control', 'public, max-age=0, must-revalidate').header('etag', etag);
    if (req.headers['if-none-match'] === etag) return reply.status(304).send();
    let body = cache.get(key);
    reply.header('x-tile-cache', body ? 'hit' : 'miss');
    if (!body) {
      let p = inflight.get(key);
      if (!p) {
        p = buildTile(app.db.pool, encoder, layer, tile).finally(() => inflight.delete(key));
        inflight.set(key, p);
      }
      body = await p;
      cache.set(key, body);
    }
    return reply.send(body);
  });
}
