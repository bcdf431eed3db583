import type { FastifyInstance, FastifyRequest } from 'fastify';
import { districtBounds, labelPoints } from './labels.ts';
import { LABEL_LAYERS, buildStyle, type LabelLayer } from './style.ts';

/**
 * The self-hosted basemap: `GET /style.json` (a MapLibre style over our own tiles) and the label points it
 * references. Nothing here points off this server: no glyphs, sprites or fonts (see style.ts).
 */
export async function basemapRoutes(app: FastifyInstance) {
  // The district extent only changes when districts are (re)loaded; re-read it while it is still empty.
  let bounds: Promise<[number, number, number, number] | undefined> | undefined;
  const getBounds = async () => {
    const b = await (bounds ??= districtBounds(app.db.pool));
    if (!b) bounds = undefined;
    return b;
  };

  app.get('/style.json', { schema: { response: { 200: { type: 'object', additionalProperties: true } } } }, async (req, reply) => {
    const style = buildStyle({ origin: origin(req), bounds: await getBounds() });
    // Small and cheap; clients must see a new extent or host at once.
    reply.header('cache-control', 'no-cache');
    return style;
  });

  app.get<{ Params: { layer: string } }>(
    '/basemap/labels/:layer',
    { schema: { params: { type: 'object', properties: { layer: { type: 'string', enum: [...LABEL_LAYERS] } }, required: ['layer'] } } },
    async (req, reply) => {
      const body = await labelPoints(app.db.pool, req.params.layer as LabelLayer);
      // Grids are edited in place: revalidate rather than cache.
      reply.header('cache-control', 'no-cache').type('application/geo+json');
      return body;
    },
  );
}

/** `${proto}://${host}` as the client reached us, so absolute tile URLs resolve from the browser. */
function origin(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}
