/**
 * Unit-grid API: validation, writes (analyst only), history and revert, renumbering, coverage, GeoJSON exchange.
 * Error answers: 400 malformed request, 404 unknown grid/revision/community, 409 stale version, 422 the grid
 * checks failed (body lists the problems, each with type, zh/en message and geometry). Nothing is written on any of them.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireRole } from '../auth/plugin.ts';
import { CRS_NAMES, type CrsName } from '../domain/layer-import.ts';
import { gridConfigOf } from './config.ts';
import { coverageCheck } from './coverage.ts';
import { exportGrids, importGrids } from './exchange.ts';
import { codeMapOf, gridHistory } from './history.ts';
import { features, GridError } from './store.ts';
import { checkOnly, validateGrids } from './validate.ts';
import {
  createGrid, deleteGrid, mergeGrids, renumberCommunity, revertGrid, splitGrid, updateGrid, type WriteContext,
} from './writes.ts';

/** Grid files can be large (a county's grids); other bodies keep the app's limit. */
const IMPORT_BODY_LIMIT = 64 * 1024 * 1024;

const code = { type: 'string', maxLength: 20 };
const version = { type: 'integer', minimum: 1 };
const anything = {};

/** Scope of a listing: community (12 digits) or district (county 6 / street 9 digits); null when neither is given. */
function scopeOf(q: { community?: string; district?: string }): string | null {
  if (q.community !== undefined) {
    if (!/^\d{12}$/.test(q.community)) throw new GridError(400, { error: 'bad_request', message: `community "${q.community}" must be a 12-digit community code` });
    return q.community;
  }
  if (q.district !== undefined) {
    if (!/^(\d{6}|\d{9})$/.test(q.district)) throw new GridError(400, { error: 'bad_request', message: `district "${q.district}" must be a 6-digit county or 9-digit street code` });
    return q.district;
  }
  return null;
}

async function answer(reply: FastifyReply, fn: () => Promise<unknown>, status = 200) {
  try {
    const body = await fn();
    return reply.status(status).send(body);
  } catch (err) {
    if (err instanceof GridError) return reply.status(err.status).send(err.body);
    throw err;
  }
}

export async function gridRoutes(app: FastifyInstance) {
  app.addContentTypeParser('application/geo+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

  const ctx = async (req: FastifyRequest): Promise<WriteContext> => ({
    pool: app.db.pool, actor: req.actor?.user ?? 'unknown', srid: await app.analysisSrid(), config: gridConfigOf(app),
  });
  const analyst = { preHandler: requireRole('analyst') };

  app.post<{ Body: { code?: string; geometry: unknown; community_code?: string; replaces?: string[] } }>('/api/grids/validate', {
    schema: {
      body: {
        type: 'object', required: ['geometry'], additionalProperties: false,
        properties: { code, geometry: anything, community_code: code, replaces: { type: 'array', items: code, maxItems: 1000 } },
      },
    },
  }, async (req, reply) => answer(reply, async () => {
    const { code: c, geometry, community_code, replaces = [] } = req.body;
    const srid = await app.analysisSrid();
    const v = await checkOnly(app.db.pool, (client) =>
      validateGrids(client, [{ code: c ?? null, community_code: community_code ?? null, geometry }], replaces, { srid, config: gridConfigOf(app) }));
    return { valid: v.problems.length === 0, community_code: v.communities[0], problems: v.problems };
  }));

  app.get<{ Querystring: { community?: string; district?: string } }>('/api/grids/coverage', {
    schema: { querystring: { type: 'object', properties: { community: { type: 'string' }, district: { type: 'string' } } } },
  }, async (req, reply) => answer(reply, async () => {
    const scope = scopeOf(req.query);
    if (!scope) throw new GridError(400, { error: 'bad_request', message: 'give community or district' });
    const report = await coverageCheck(app.db.pool, scope, { srid: await app.analysisSrid(), config: gridConfigOf(app) });
    return { ...report, complete: report.problems.length === 0 };
  }));

  app.get<{ Querystring: { community?: string; district?: string } }>('/api/grids/export', {
    schema: { querystring: { type: 'object', properties: { community: { type: 'string' }, district: { type: 'string' } } } },
  }, async (req, reply) => answer(reply, async () => {
    const scope = scopeOf(req.query);
    reply.header('content-type', 'application/geo+json; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="grids${scope ? `-${scope}` : ''}.geojson"`);
    return JSON.stringify(await exportGrids(app.db.pool, scope ?? undefined));
  }));

  app.post<{ Querystring: { crs?: CrsName }; Body: unknown }>('/api/grids/import', {
    ...analyst,
    bodyLimit: IMPORT_BODY_LIMIT,
    schema: { querystring: { type: 'object', properties: { crs: { type: 'string', enum: [...CRS_NAMES] } } } },
  }, async (req, reply) => answer(reply, async () => importGrids(await ctx(req), req.body, req.query.crs ?? 'wgs84')));

  app.get<{ Querystring: { code?: string; community?: string } }>('/api/grids/code-map', {
    schema: { querystring: { type: 'object', properties: { code, community: code } } },
  }, async (req) => ({ entries: await codeMapOf(app.db.pool, req.query) }));

  app.post<{ Body: { code?: string; community_code?: string; work_grid_code?: string; geometry: unknown } }>('/api/grids', {
    ...analyst,
    schema: {
      body: {
        type: 'object', required: ['geometry'], additionalProperties: false,
        properties: { code, community_code: code, work_grid_code: { type: 'string', maxLength: 64 }, geometry: anything },
      },
    },
  }, async (req, reply) => answer(reply, async () => createGrid(await ctx(req), req.body), 201));

  app.post<{ Body: { code: string; line: unknown; version: number } }>('/api/grids/split', {
    ...analyst,
    schema: { body: { type: 'object', required: ['code', 'line', 'version'], additionalProperties: false, properties: { code, line: anything, version } } },
  }, async (req, reply) => answer(reply, async () => splitGrid(await ctx(req), req.body)));

  app.post<{ Body: { codes: string[]; versions: number[] } }>('/api/grids/merge', {
    ...analyst,
    schema: {
      body: {
        type: 'object', required: ['codes', 'versions'], additionalProperties: false,
        properties: { codes: { type: 'array', items: code, maxItems: 100 }, versions: { type: 'array', items: version, maxItems: 100 } },
      },
    },
  }, async (req, reply) => answer(reply, async () => mergeGrids(await ctx(req), req.body)));

  app.post<{ Body: { community: string } }>('/api/grids/renumber', {
    ...analyst,
    schema: { body: { type: 'object', required: ['community'], additionalProperties: false, properties: { community: { type: 'string', pattern: '^\\d{12}$' } } } },
  }, async (req, reply) => answer(reply, async () => renumberCommunity(await ctx(req), req.body.community)));

  app.get<{ Params: { code: string } }>('/api/grids/:code', async (req, reply) => answer(reply, async () => {
    const [f] = await features(app.db.pool, [req.params.code]);
    if (!f) throw new GridError(404, { error: 'unknown_grid', message: `no grid with code ${req.params.code}` });
    return f;
  }));

  app.put<{ Params: { code: string }; Body: { geometry: unknown; version: number } }>('/api/grids/:code', {
    ...analyst,
    schema: { body: { type: 'object', required: ['geometry', 'version'], additionalProperties: false, properties: { geometry: anything, version } } },
  }, async (req, reply) => answer(reply, async () => updateGrid(await ctx(req), req.params.code, req.body)));

  app.delete<{ Params: { code: string }; Querystring: { version: number } }>('/api/grids/:code', {
    ...analyst,
    schema: { querystring: { type: 'object', required: ['version'], properties: { version } } },
  }, async (req, reply) => answer(reply, async () => deleteGrid(await ctx(req), req.params.code, req.query.version)));

  app.get<{ Params: { code: string } }>('/api/grids/:code/history', async (req, reply) => answer(reply, async () => {
    const revisions = await gridHistory(app.db.pool, req.params.code);
    if (!revisions) throw new GridError(404, { error: 'unknown_grid', message: `no grid with code ${req.params.code}, now or in its history` });
    return { code: req.params.code, revisions };
  }));

  app.post<{ Params: { code: string }; Body: { revision: number; version?: number } }>('/api/grids/:code/revert', {
    ...analyst,
    schema: { body: { type: 'object', required: ['revision'], additionalProperties: false, properties: { revision: { type: 'integer', minimum: 1 }, version } } },
  }, async (req, reply) => answer(reply, async () => revertGrid(await ctx(req), req.params.code, req.body)));
}
