// GET /api/analysis/zones?from&to
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../../auth/plugin.ts';
import { ParamError, parseRange } from '../params.ts';
import { sendParamError } from '../repeats/routes.ts';
import { zoneAnalysis } from './analysis.ts';
import { zonesAnalysisConfigOf } from './config.ts';

export async function zoneAnalysisRoutes(app: FastifyInstance) {
  app.get('/api/analysis/zones', { preHandler: requireRole() }, async (req, reply) => {
    try {
      const q = req.query as Record<string, unknown>;
      for (const k of Object.keys(q)) if (k !== 'from' && k !== 'to') throw new ParamError(k, 'unknown parameter (known: from, to)');
      const cfg = zonesAnalysisConfigOf(app);
      return await zoneAnalysis(app.db.pool, cfg, parseRange(q, cfg.utcOffsetMinutes, cfg.maxRangeDays));
    } catch (err) {
      return sendParamError(reply, err);
    }
  });
}
