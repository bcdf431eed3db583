/**
 * Routes of the hotspot analyses. Who may run them: managers (their view), analysts (GIS staff tuning
 * parameters) and the command-centre wall display — results are aggregates per cell and area, no case
 * details. Collectors, operators, dispatchers and departments may not: an analysis costs seconds of
 * database time, and department users would see other departments' workload.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { requireRole } from '../../auth/plugin.ts';
import { AnalysisCache } from './cache.ts';
import { loadHotspotConfig, type HotspotConfig } from './config.ts';
import { emerging } from './emerging.ts';
import { hotspots, type HotspotContext } from './hotspots.ts';
import { repeatsConfigOf } from '../repeats/config.ts';
import { EMERGING_PARAMS, HOTSPOT_PARAMS, ParamError, parseEmergingParams, parseHotspotParams } from './params.ts';

export const ANALYSIS_ROLES = ['manager', 'analyst', 'display'] as const;

const querySchema = (names: readonly string[]) => ({
  type: 'object',
  properties: Object.fromEntries(names.map((n) => [n, { type: 'string', maxLength: 2000 }])),
});

export async function hotspotRoutes(app: FastifyInstance, opts: { config?: HotspotConfig } = {}) {
  const config = opts.config ?? loadHotspotConfig();
  const ctx: HotspotContext = {
    pool: app.db.pool,
    config,
    cache: new AnalysisCache(config.cacheBytes),
    columns: app.caseColumns,
    analysisSrid: () => app.analysisSrid(),
    repeatsRadiusM: () => repeatsConfigOf(app).radiusM,
  };

  const send = async (reply: FastifyReply, run: () => Promise<{ body: string; hit: boolean }>) => {
    try {
      const { body, hit } = await run();
      return reply.header('content-type', 'application/json; charset=utf-8').header('x-analysis-cache', hit ? 'hit' : 'miss').send(body);
    } catch (err) {
      if (err instanceof ParamError) return reply.status(400).send({ error: err.code, parameter: err.parameter, message: err.message });
      throw err;
    }
  };

  app.get('/api/analysis/hotspots', {
    schema: { querystring: querySchema(HOTSPOT_PARAMS) },
    preHandler: requireRole(...ANALYSIS_ROLES),
  }, async (req, reply) => send(reply, () => hotspots(ctx, parseHotspotParams(req.query as Record<string, unknown>))));

  app.get('/api/analysis/emerging', {
    schema: { querystring: querySchema(EMERGING_PARAMS) },
    preHandler: requireRole(...ANALYSIS_ROLES),
  }, async (req, reply) => send(reply, () => emerging(ctx, parseEmergingParams(req.query as Record<string, unknown>))));
}
