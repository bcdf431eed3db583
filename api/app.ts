import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { Database } from './db/connect.ts';
import { resolveAnalysisSrid } from './db/analysis-srid.ts';
import { authPlugin } from './auth/plugin.ts';
import { healthRoutes } from './health/routes.ts';
import { basemapRoutes } from './basemap/routes.ts';
import { taxonomyRoutes } from './taxonomy/routes.ts';
import { layerRoutes } from './layers/routes.ts';
import { tileRoutes } from './tiles/routes.ts';
import { gridRoutes } from './grids/routes.ts';
import { ogcRoutes } from './ogc/routes.ts';
import { caseRoutes } from './cases/routes.ts';
import { liveRoutes } from './live/routes.ts';
import { repeatAndZoneAnalysisRoutes } from './analysis/repeat-zone-routes.ts';
import { CaseColumnsSource } from './analysis/case-columns/source.ts';
import { hotspotRoutes } from './analysis/hotspots/routes.ts';
import { statsRoutes } from './stats/routes.ts';
import { casesFeedRoutes } from './cases-feed/routes.ts';
import { assessmentRoutes } from './assessment/routes.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
    config: Config;
    /** Metric CRS for distances and areas (ANALYSIS_SRID, or the UTM zone of the districts). */
    analysisSrid(): Promise<number>;
    /** The analyses' in-process copy of the cases (api/analysis/case-columns), one per app. */
    caseColumns: CaseColumnsSource;
  }
}

export interface AppOptions {
  db: Database;
  config: Config;
  logger?: boolean | object;
}

/** Builds the Fastify app over an open database. Tests call this with `app.inject`; main.ts adds listening. */
export async function buildApp({ db, config, logger = false }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger, bodyLimit: 5 * 1024 * 1024, ajv: { customOptions: { coerceTypes: true, allErrors: false } } });
  app.decorate('db', db);
  app.decorate('config', config);
  app.decorate('caseColumns', new CaseColumnsSource(db.pool));
  let srid: Promise<number> | undefined;
  app.decorate('analysisSrid', async () => {
    const value = await (srid ??= resolveAnalysisSrid(db.pool, config.analysisSrid));
    if (value === 3857) srid = undefined; // no districts yet: ask again once data is loaded
    return value;
  });

  app.setErrorHandler((err: any, req, reply) => {
    if (err.validation) {
      return reply.status(400).send({ error: 'bad_request', message: `${err.validationContext ?? 'request'}${err.validation[0]?.instancePath ?? ''} ${err.validation[0]?.message ?? err.message}`.trim() });
    }
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) req.log.error(err);
    return reply.status(status).send({ error: err.code ?? (status >= 500 ? 'internal' : 'bad_request'), message: err.message });
  });

  // auth hooks must reach every route: registered at the root, not encapsulated
  await authPlugin(app);
  await app.register(healthRoutes);
  await app.register(basemapRoutes);
  await app.register(taxonomyRoutes);
  await app.register(layerRoutes);
  await app.register(tileRoutes);
  await app.register(gridRoutes);
  await app.register(ogcRoutes);
  await app.register(caseRoutes);
  await app.register(liveRoutes);
  await app.register(repeatAndZoneAnalysisRoutes);
  await app.register(hotspotRoutes);
  await app.register(statsRoutes);
  await app.register(casesFeedRoutes);
  await app.register(assessmentRoutes);
  return app;
}
