// GET /api/analysis/repeats (batch, what-if) and POST /api/analysis/repeats/recompute (rebuild stored groups).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { requireRole } from '../../auth/plugin.ts';
import type { KnownMinors } from '../../domain/repeats.ts';
import { ParamError, parseInstant } from '../params.ts';
import { repeatGroups } from './batch.ts';
import { knownMinors, repeatsConfigOf } from './config.ts';
import { parseRepeatQuery } from './query.ts';
import { recomputePeriod, repeatsContext } from './store.ts';

/** Minor categories in the database's taxonomy ("kind:code"); the shipped files while the table is empty. */
export async function taxonomyMinors(app: FastifyInstance): Promise<KnownMinors> {
  const { rows } = await app.db.pool.query<{ k: string }>(`SELECT kind || ':' || code AS k FROM taxonomy WHERE level = 'minor'`);
  return rows.length ? new Set(rows.map((r) => r.k)) : knownMinors();
}

/** 400 naming the parameter for ParamError; anything else goes to the app's error handler. */
export function sendParamError(reply: FastifyReply, err: unknown) {
  if (err instanceof ParamError) return reply.status(400).send({ error: 'bad_request', param: err.param, message: err.message });
  throw err;
}

export async function repeatRoutes(app: FastifyInstance) {
  app.get('/api/analysis/repeats', { preHandler: requireRole() }, async (req, reply) => {
    try {
      const cfg = repeatsConfigOf(app);
      const q = parseRepeatQuery(req.query as Record<string, unknown>, cfg, await taxonomyMinors(app));
      const { pool } = app.db;
      if (q.district && !(await pool.query('SELECT 1 FROM districts WHERE code = $1', [q.district])).rowCount) throw new ParamError('district', `unknown district ${q.district}`);
      if (q.department && !(await pool.query('SELECT 1 FROM departments WHERE id = $1', [q.department])).rowCount) throw new ParamError('department', `unknown department ${q.department}`);
      return await repeatGroups(pool, await app.analysisSrid(), q);
    } catch (err) {
      return sendParamError(reply, err);
    }
  });

  // Rebuilds the stored groups of the period containing `at` (after a bulk import or a change of repeats.json).
  app.post('/api/analysis/repeats/recompute', {
    preHandler: requireRole('analyst', 'manager'),
    schema: { body: { type: 'object', required: ['at'], additionalProperties: false, properties: { at: { type: 'string' }, district: { type: 'string', pattern: '^\\d{6}$' } } } },
  }, async (req, reply) => {
    try {
      const body = req.body as { at: string; district?: string };
      const cfg = repeatsConfigOf(app);
      const at = parseInstant('at', body.at, cfg.utcOffsetMinutes);
      return await recomputePeriod(app.db.pool, await repeatsContext(app), new Date(at), { districtCode: body.district });
    } catch (err) {
      return sendParamError(reply, err);
    }
  });
}
