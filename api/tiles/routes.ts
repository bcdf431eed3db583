import type { FastifyInstance, FastifyReply } from 'fastify';
import { isLayerName, LAYER_NAMES, LAYERS, type LayerName } from '../layers/catalog.ts';
import { tileProblem, type TileCoord } from '../domain/tiles.ts';
import { buildTile, type TileEncoder } from './build.ts';
import { TileCache } from './cache.ts';
import { baseEtag, baseLayersAt } from './composite.ts';

const MVT = 'application/vnd.mapbox-vector-tile';

type TileParams = { z: string; x: string; y: string };

/** The tile of a `{z}/{x}/{y}.mvt` path, or undefined after a 400 naming the problem. */
function parseTile(params: TileParams, reply: FastifyReply): TileCoord | undefined {
  const { z, x } = params;
  const yMatch = /^(\d+)\.(mvt|pbf)$/.exec(params.y);
  if (!yMatch) {
    reply.status(400).send({ error: 'bad_tile', message: `tile path must end in {y}.mvt, got "${params.y}"` });
    return undefined;
  }
  const tile = { z: Number(z), x: Number(x), y: Number(yMatch[1]) };
  if (!/^\d+$/.test(z) || !/^\d+$/.test(x)) {
    reply.status(400).send({ error: 'bad_tile', message: `z and x must be non-negative integers, got z=${z} x=${x}` });
    return undefined;
  }
  const problem = tileProblem(tile);
  if (problem) {
    reply.status(400).send({ error: 'bad_tile', message: problem });
    return undefined;
  }
  return tile;
}

export async function tileRoutes(app: FastifyInstance) {
  const cache = new TileCache(app.db.pool);
  const encoder: TileEncoder = app.db.kind === 'postgis' ? 'postgis' : 'typescript';
  const inflight = new Map<string, Promise<Buffer>>();

  /** A static layer's tile from the cache, or built once however many requests ask for it meanwhile. */
  async function cachedTile(layer: LayerName, version: number, tile: TileCoord): Promise<{ body: Buffer; hit: boolean }> {
    const key = `${layer}/${version}/${tile.z}/${tile.x}/${tile.y}`;
    const cached = cache.get(key);
    if (cached) return { body: cached, hit: true };
    let p = inflight.get(key);
    if (!p) {
      p = buildTile(app.db.pool, encoder, layer, tile).finally(() => inflight.delete(key));
      inflight.set(key, p);
    }
    const body = await p;
    cache.set(key, body);
    return { body, hit: false };
  }

  // Revalidate every time: a grid edit must show at once, and a 304 costs next to nothing.
  const REVALIDATE = 'public, max-age=0, must-revalidate';

  app.get<{ Params: TileParams & { layer: string } }>('/tiles/:layer/:z/:x/:y', async (req, reply) => {
    const { layer } = req.params;
    if (!isLayerName(layer)) return reply.status(404).send({ error: 'unknown_layer', message: `unknown layer "${layer}"; layers: ${LAYER_NAMES.join(', ')}` });
    const tile = parseTile(req.params, reply);
    if (!tile) return reply;

    reply.header('content-type', MVT);
    if (LAYERS[layer].live) {
      reply.header('cache-control', 'no-store');
      return buildTile(app.db.pool, encoder, layer, tile);
    }
    const version = await cache.version(layer);
    const etag = `W/"${layer}-${version}"`;
    reply.header('cache-control', REVALIDATE).header('etag', etag);
    if (req.headers['if-none-match'] === etag) return reply.status(304).send();
    const { body, hit } = await cachedTile(layer, version, tile);
    reply.header('x-tile-cache', hit ? 'hit' : 'miss');
    return reply.send(body);
  });

  // The basemap's static layers in one tile (composite.ts). An MVT is a list of layers, so the tile is the
  // concatenation of the layers' own (cached) tiles; each layer keeps its cache entry and version.
  app.get<{ Params: TileParams }>('/tiles/base/:z/:x/:y', async (req, reply) => {
    const tile = parseTile(req.params, reply);
    if (!tile) return reply;
    const layers = baseLayersAt(tile.z);
    const versions = await Promise.all(layers.map(async (layer) => ({ layer, version: await cache.version(layer) })));
    const etag = baseEtag(versions);
    reply.header('content-type', MVT).header('cache-control', REVALIDATE).header('etag', etag);
    if (req.headers['if-none-match'] === etag) return reply.status(304).send();
    const parts = await Promise.all(versions.map(({ layer, version }) => cachedTile(layer, version, tile)));
    reply.header('x-tile-cache', parts.every((p) => p.hit) ? 'hit' : 'miss');
    return reply.send(Buffer.concat(parts.map((p) => p.body)));
  });
}
