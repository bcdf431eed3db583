import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { WEB_DIST } from './build.ts';

/**
 * Serves the built web app (`web/dist`): index.html at `/`, hashed assets under `/assets/`.
 * The wildcard route is the least specific one in the router, so /api, /tiles, /style.json, /ogc, /bulletin and
 * every other registered route win over it; an unknown path falls through to the app's JSON 404.
 */
export async function webStatic(app: FastifyInstance) {
  await app.register(fastifyStatic, {
    root: WEB_DIST,
    prefix: '/',
    wildcard: true, // resolve files per request: dist may be (re)built after the server started
    index: ['index.html'],
    setHeaders(reply, file) {
      // Vite names assets by content hash: cache them forever; always revalidate the page that names them.
      if (file.includes(`${WEB_DIST}/assets/`)) reply.header('cache-control', 'public, max-age=31536000, immutable');
      else reply.header('cache-control', 'no-cache');
    },
  });
}
