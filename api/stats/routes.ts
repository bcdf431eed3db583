/**
 * KPI and breakdown figures for the wall (definitions in queries.ts). Any token; department staff see their own
 * department's figures only. `?at=` (ISO 8601) reads the figures as of another instant (default: now).
 *   GET /api/stats/kpis          today / this month vs the same stretch of the period before
 *   GET /api/stats/top-minors    top-n event and component minors this month, month on month (n ≤ 20, default 5)
 *   GET /api/stats/sources       valid reports per source this month, with last month's
 *   GET /api/stats/districts     per street (or ?level=community): this month, last month, open, red now
 *   GET /api/stats/wall          all of the above in one answer (the wall's one request)
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { requireRole } from '../auth/plugin.ts';
import { CASE_SOURCES } from '../cases/intake.ts';
import { reportingPeriods, TIME_ZONE, type ReportingPeriods } from '../domain/periods.ts';
import { activeStandard } from '../taxonomy/load.ts';
import { districts, kpis, sources, topMinors, type DistrictLevel } from './queries.ts';

interface StatsQuery {
  at?: string;
  n?: number;
  level?: DistrictLevel;
}

const querystring = {
  type: 'object',
  additionalProperties: false,
  properties: {
    at: { type: 'string', format: 'date-time' },
    n: { type: 'integer', minimum: 1, maximum: 20 },
    level: { type: 'string', enum: ['street', 'community'] },
  },
} as const;

type Req = FastifyRequest<{ Querystring: StatsQuery }>;
type Route = { Querystring: StatsQuery };

export async function statsRoutes(app: FastifyInstance) {
  const standard = activeStandard();
  const pool = app.db.pool;
  const opts = { schema: { querystring }, preHandler: requireRole() };

  const context = (req: Req) => {
    const periods = reportingPeriods(req.query.at ? new Date(req.query.at) : new Date());
    const dept = req.actor!.role === 'department' ? (req.actor!.department ?? '') : null;
    return { periods, dept };
  };
  const head = (p: ReportingPeriods) => ({ asOf: p.asOf.toISOString(), timeZone: TIME_ZONE });

  // Encapsulated: applies to this plugin's routes only. Figures move with every case.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.get<Route>('/api/stats/kpis', opts, async (req) => {
    const { periods, dept } = context(req);
    return { ...head(periods), ...(await kpis(pool, periods, dept)) };
  });

  app.get<Route>('/api/stats/top-minors', opts, async (req) => {
    const { periods, dept } = context(req);
    return { ...head(periods), period: periodsOf(periods), ...(await topMinors(pool, periods.month, req.query.n ?? 5, standard, dept)) };
  });

  app.get<Route>('/api/stats/sources', opts, async (req) => {
    const { periods, dept } = context(req);
    return { ...head(periods), period: periodsOf(periods), sources: await sources(pool, periods.month, CASE_SOURCES, dept) };
  });

  app.get<Route>('/api/stats/districts', opts, async (req) => {
    const { periods, dept } = context(req);
    const level = req.query.level ?? 'street';
    return { ...head(periods), period: periodsOf(periods), level, districts: await districts(pool, periods.month, level, dept) };
  });

  app.get<Route>('/api/stats/wall', opts, async (req) => {
    const { periods, dept } = context(req);
    // One after the other: the embedded database has one connection anyway.
    const k = await kpis(pool, periods, dept);
    const top = await topMinors(pool, periods.month, req.query.n ?? 5, standard, dept);
    const src = await sources(pool, periods.month, CASE_SOURCES, dept);
    const dist = await districts(pool, periods.month, req.query.level ?? 'street', dept);
    return { ...head(periods), period: periodsOf(periods), kpis: k, topMinors: top, sources: src, districts: dist };
  });
}

/** The month periods the breakdowns cover. */
const periodsOf = (p: ReportingPeriods) => ({
  current: { from: p.month.current.from.toISOString(), to: p.month.current.to.toISOString() },
  previous: { from: p.month.previous.from.toISOString(), to: p.month.previous.to.toISOString() },
});
