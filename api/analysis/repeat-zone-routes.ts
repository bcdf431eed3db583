// Repeat-case and zone analyses (issue 5): one plugin for app.ts.
import type { FastifyInstance } from 'fastify';
import { repeatRoutes } from './repeats/routes.ts';
import { zoneAnalysisRoutes } from './zones/routes.ts';

export async function repeatAndZoneAnalysisRoutes(app: FastifyInstance) {
  await app.register(repeatRoutes);
  await app.register(zoneAnalysisRoutes);
}
