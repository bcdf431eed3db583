/**
 * Case routes: intake, workflow actions, list and detail, plus the light sweeper's timer.
 *   POST /api/cases                 report a case (collector, operator)     201 case JSON
 *   POST /api/cases/:id/actions     one workflow action (role per action)   200 case JSON + event
 *   GET  /api/cases                 filtered, paged GeoJSON (any token)
 *   GET  /api/cases/:id             case JSON + event history (any token; department staff: own cases only)
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { repeatsConfigOf } from '../analysis/repeats/config.ts';
import { repeatsContext } from '../analysis/repeats/store.ts';
import { requireRole } from '../auth/plugin.ts';
import { TIME_LIMIT_UNITS } from '../domain/calendar.ts';
import { CASE_ACTIONS, CASE_STATUSES, REPORT_ROLES } from '../domain/workflow.ts';
import { activeStandard } from '../taxonomy/load.ts';
import { applyCaseAction, type ActionBody } from './actions.ts';
import { caseConfigOf, caseDuplicateDistances, loadCalendar } from './config.ts';
import { CaseProblem, invalid, schemaProblem, sendProblem } from './http.ts';
import { CASE_SOURCES, intakeCase, intakeStatements, type IntakeBody } from './intake.ts';
import { caseDetail, listCases, MAX_PAGE, type ListQuery } from './query.ts';
import { preparedStatements } from './statements.ts';
import { purgeIdempotencyKeys, sweepLights } from './sweeper.ts';

const photos = { type: 'array', maxItems: 20, items: { type: 'string', minLength: 1, maxLength: 1000 } } as const;

const intakeSchema = {
  type: 'object',
  required: ['source', 'kind', 'minor', 'description', 'lon', 'lat'],
  additionalProperties: false,
  properties: {
    source: { type: 'string', enum: CASE_SOURCES },
    kind: { type: 'string', enum: ['component', 'event'] },
    minor: { type: 'string', pattern: '^\\d{4,5}$' },
    description: { type: 'string', minLength: 1, maxLength: 2000 },
    lon: { type: 'number', minimum: -180, maximum: 180 },
    lat: { type: 'number', minimum: -90, maximum: 90 },
    crs: { type: 'string', enum: ['wgs84', 'cgcs2000', 'gcj02'] },
    address: { type: 'string', maxLength: 500 },
    photos,
    reporter: { type: 'string', maxLength: 100 },
    reportedAt: { type: 'string', format: 'date-time' },
    componentId: { type: 'string', pattern: '^\\d{16,17}$' },
  },
} as const;

const actionSchema = {
  type: 'object',
  required: ['action', 'expectedVersion'],
  additionalProperties: false,
  properties: {
    action: { type: 'string', enum: CASE_ACTIONS },
    expectedVersion: { type: 'integer', minimum: 1 },
    department: { type: 'string', minLength: 1, maxLength: 100 },
    note: { type: 'string', maxLength: 2000 },
    extendBy: {
      type: 'object',
      required: ['value', 'unit'],
      additionalProperties: false,
      properties: { value: { type: 'number', exclusiveMinimum: 0, maximum: 1000 }, unit: { type: 'string', enum: TIME_LIMIT_UNITS } },
    },
    duplicateOf: { type: 'string', pattern: '^\\d{19}$' },
    photos,
  },
} as const;

const csv = (values: readonly string[]) => ({ type: 'string', pattern: `^(${values.join('|')})(,(${values.join('|')}))*$` });

const listSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    bbox: { type: 'string', maxLength: 200 },
    status: csv(CASE_STATUSES),
    light: csv(['green', 'yellow', 'red']),
    source: csv(CASE_SOURCES),
    kind: { type: 'string', enum: ['component', 'event'] },
    major: { type: 'string', pattern: '^\\d{2}$' },
    minor: { type: 'string', pattern: '^\\d{4,5}$' },
    department: { type: 'string', maxLength: 100 },
    grid: { type: 'string', pattern: '^\\d{14,15}$' },
    district: { type: 'string', pattern: '^\\d{6}(\\d{3}){0,2}$' },
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    repeat: { type: 'boolean' },
    limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE },
    cursor: { type: 'string', maxLength: 200 },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 40 } } } as const;

export async function caseRoutes(app: FastifyInstance) {
  const cfg = caseConfigOf(app);
  const cal = loadCalendar(cfg.calendarFile);
  const standard = activeStandard();
  preparedStatements(app.db.pool, app.db.kind === 'postgis');
  // repeat rules (geodata/repeats.json) read now: a bad file stops the start, not the first report
  const duplicates = caseDuplicateDistances(cfg, repeatsConfigOf(app));
  const repeats = () => repeatsContext(app);
  const statements = intakeStatements(app.db.pool, repeats, standard, cfg);

  /** Runs a handler, turning CaseProblem into its reply; schema errors of bodies become 422 naming the field. */
  const handle = <R extends FastifyRequest>(fn: (req: R, reply: FastifyReply) => Promise<unknown>) => async (req: R, reply: FastifyReply) => {
    try {
      if (req.validationError) throw schemaProblem(req.validationError.validation, req.validationError.validationContext ?? 'body');
      return await fn(req, reply);
    } catch (err) {
      if (err instanceof CaseProblem) return sendProblem(reply, err);
      throw err;
    }
  };

  app.post<{ Body: IntakeBody }>('/api/cases', { schema: { body: intakeSchema }, attachValidation: true, preHandler: requireRole(...REPORT_ROLES) }, handle(async (req, reply) => {
    const key = req.headers['idempotency-key'];
    if (key !== undefined && (typeof key !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(key))) {
      throw invalid('Idempotency-Key', 'must be 1–200 visible ASCII characters');
    }
    const r = await intakeCase(
      { pool: app.db.pool, statements, standard, cfg, duplicates, cal, actor: req.actor!, idempotencyKey: key ?? null, now: new Date() },
      req.body,
    );
    if (r.replayed) reply.header('idempotent-replayed', 'true');
    return reply.status(r.status).type('application/json; charset=utf-8').send(r.body);
  }));

  app.post<{ Params: { id: string }; Body: ActionBody }>('/api/cases/:id/actions', { schema: { params: idParams, body: actionSchema }, attachValidation: true, preHandler: requireRole() }, handle(async (req) => {
    return applyCaseAction({ pool: app.db.pool, cal, actor: req.actor!, yellowAt: cfg.yellowAt, now: new Date(), repeats }, req.params.id, req.body);
  }));

  app.get<{ Querystring: ListQuery }>('/api/cases', { schema: { querystring: listSchema }, preHandler: requireRole() }, handle(async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return listCases(app.db.pool, req.query, req.actor!, '/api/cases');
  }));

  app.get<{ Params: { id: string } }>('/api/cases/:id', { schema: { params: idParams }, preHandler: requireRole() }, handle(async (req, reply) => {
    reply.header('cache-control', 'no-store');
    return caseDetail(app.db.pool, req.params.id, req.actor!, new Date(), cal);
  }));

  // The light sweeper: one pass at a time, stopped (and awaited) when the app closes.
  if (cfg.lightSweepSeconds > 0) {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> | null = null;
    const tick = () => {
      if (running) return;
      running = sweepLights(app.db.pool, cal, { yellowAt: cfg.yellowAt })
        .then(() => purgeIdempotencyKeys(app.db.pool, cfg.idempotencyTtlHours))
        .catch((err) => app.log.error({ err }, 'light sweep failed'))
        .finally(() => (running = null));
    };
    app.addHook('onReady', async () => {
      timer = setInterval(tick, cfg.lightSweepSeconds * 1000);
      timer.unref();
    });
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
    });
  }
}
