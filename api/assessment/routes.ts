/**
 * Assessment (考核) and the monthly bulletin (通报), issue 8:
 *   GET /api/assessment?period=YYYY-MM|YYYY (or from&to=YYYY-MM-DD)&by=department|district|street|grid|source|major|minor
 *   GET /api/assessment/scores?period…&scheme=<id>
 *   GET /api/assessment/trend?period=YYYY-MM[&months=12]&by=…      closure rates of the months ending with period
 *   GET /api/assessment/schemes
 *   GET /api/assessment/inputs?period=YYYY-MM|YYYY&scheme=<id>     current manual inputs and their audit trail (manager)
 *   PUT /api/assessment/inputs {scheme, period, inputs: [{unit, item, value|null, note?}]}   manager only
 *   GET /bulletin/YYYY-MM[.xlsx|.csv]?scheme=<id>[&table=<id> for .csv]
 * Figures are aggregates over departments, as the published bulletins are: reading them needs no token (the
 * bulletin is opened, printed and passed on as a plain link; a token in its URL would print in the page footer).
 * The manual inputs' audit trail — who changed which score, from what, and why — is the assessment office's
 * own record: managers only, like the writes.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { requireRole } from '../auth/plugin.ts';
import { parsePeriod, PeriodError } from '../domain/assessment/period.ts';
import { activeStandard } from '../taxonomy/load.ts';
import { bulletinCsv, BULLETIN_TABLES, type BulletinTableId } from './bulletin/csv.ts';
import { bulletinHtml } from './bulletin/html.ts';
import { buildBulletin } from './bulletin/model.ts';
import { bulletinXlsx } from './bulletin/xlsx.ts';
import { loadSchemes, loadSettings } from './config.ts';
import { readAudit, readInputs, validateChanges, writeInputs, type InputChange } from './inputs.ts';
import { AssessmentData } from './metrics.ts';
import { BadRequest, oneOf, period, scheme as schemeParam, strictQuery, type Query } from './params.ts';
import { computeScores, schemeSummary } from './scores.ts';
import { monthlyTrend } from './trend.ts';
import { BREAKDOWNS } from './sql.ts';

export async function assessmentRoutes(app: FastifyInstance) {
  const settings = loadSettings();
  const schemes = loadSchemes(); // throws on a broken scheme file: naming the file and field
  if (!schemes.has(settings.defaultScheme)) throw new Error(`geodata/assessment.json: defaultScheme "${settings.defaultScheme}" is not in geodata/schemes`);
  const data = new AssessmentData(app.db.pool, settings, activeStandard());

  // 400 naming the parameter (as the other analysis routes answer); anything else goes to the app's handler.
  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof BadRequest) return reply.status(400).send({ error: 'bad_request', param: err.param, message: err.message });
    throw err;
  });

  // Figures move with every case action: never cache.
  app.addHook('onSend', async (_req, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.get('/api/assessment', async (req) => {
    const q = strictQuery(req.query as Query, ['period', 'from', 'to', 'by']);
    const p = period(q, settings.utcOffset);
    const by = oneOf('by', q.by, BREAKDOWNS, 'department');
    return data.metrics(p, by);
  });

  app.get('/api/assessment/scores', async (req) => {
    const q = strictQuery(req.query as Query, ['period', 'from', 'to', 'scheme']);
    const p = period(q, settings.utcOffset);
    return computeScores(data, schemeParam(schemes, q.scheme, settings.defaultScheme), p);
  });

  app.get('/api/assessment/trend', async (req) => {
    const q = strictQuery(req.query as Query, ['period', 'months', 'by']);
    const p = period(q, settings.utcOffset);
    if (p.kind !== 'month') throw new BadRequest('period', `the trend is monthly: give its last month as YYYY-MM, got "${q.period}"`);
    const months = q.months === undefined ? 12 : /^\d{1,2}$/.test(q.months) ? Number(q.months) : NaN;
    if (!(months >= 1 && months <= 24)) throw new BadRequest('months', `must be a whole number 1–24, got "${q.months}"`);
    const by = oneOf('by', q.by, BREAKDOWNS, 'department');
    return monthlyTrend(data, p, months, by);
  });

  app.get('/api/assessment/schemes', async () => ({ default: settings.defaultScheme, schemes: [...schemes.values()].map(schemeSummary) }));

  app.get('/api/assessment/inputs', { preHandler: requireRole('manager') }, async (req) => {
    const q = strictQuery(req.query as Query, ['period', 'scheme']);
    const s = schemeParam(schemes, q.scheme);
    const label = inputPeriod(q.period, settings.utcOffset);
    const inputs = (await readInputs(data.pool, s.id, [label])).get(label)!;
    const list = [...inputs].flatMap(([unit, items]) => [...items].map(([item, v]) => ({ unit, item, ...v })));
    return { scheme: s.id, period: label, inputs: list, audit: await readAudit(data.pool, s.id, label) };
  });

  app.put('/api/assessment/inputs', { preHandler: requireRole('manager') }, async (req, reply) => {
    const body = req.body as Record<string, unknown> | undefined;
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('body', 'must be a JSON object {scheme, period, inputs: [{unit, item, value, note?}]}');
    for (const k of Object.keys(body)) if (!['scheme', 'period', 'inputs'].includes(k)) throw new BadRequest(k, 'is not a field here (scheme, period, inputs)');
    const s = schemeParam(schemes, typeof body.scheme === 'string' ? body.scheme : body.scheme === undefined ? undefined : '(not a string)');
    const label = inputPeriod(typeof body.period === 'string' ? body.period : body.period === undefined ? undefined : String(body.period), settings.utcOffset);
    if (s.annual === 'mean-of-months' && /^\d{4}$/.test(label)) {
      throw new BadRequest('period', `scheme ${s.id} scores a year as the mean of its months: enter inputs per month (YYYY-MM)`);
    }
    const changes = parseChanges(body.inputs);
    const groupOf = await unitGroups(data, s);
    validateChanges(s, changes, groupOf);
    const audit = await writeInputs(data.pool, s.id, label, changes, req.actor!);
    reply.status(200);
    return { scheme: s.id, period: label, changed: audit.length, audit };
  });

  app.get('/bulletin/:file', async (req, reply) => {
    const file = (req.params as { file: string }).file;
    const m = /^(\d{4}-\d{2})(?:\.(xlsx|csv))?$/.exec(file);
    if (!m) throw new BadRequest('month', `the path must be /bulletin/YYYY-MM, /bulletin/YYYY-MM.xlsx or /bulletin/YYYY-MM.csv, got "${file}"`);
    const format = (m[2] ?? 'html') as 'html' | 'xlsx' | 'csv';
    const q = strictQuery(req.query as Query, format === 'csv' ? ['scheme', 'table'] : ['scheme']);
    let p;
    try {
      p = parsePeriod({ period: m[1] }, settings.utcOffset);
    } catch (err) {
      if (err instanceof PeriodError) throw new BadRequest('month', err.message.slice(err.param.length + 2));
      throw err;
    }
    const s = schemeParam(schemes, q.scheme, settings.defaultScheme);
    const table = format === 'csv' ? oneOf<BulletinTableId>('table', q.table, BULLETIN_TABLES) : undefined;
    const model = await buildBulletin(data, s, p);
    const name = `bulletin-${m[1]}-${s.id}`;
    if (format === 'html') return send(reply, 'text/html; charset=utf-8', bulletinHtml(model));
    if (format === 'xlsx') {
      reply.header('content-disposition', `attachment; filename="${name}.xlsx"`);
      return send(reply, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', await bulletinXlsx(model));
    }
    reply.header('content-disposition', `attachment; filename="${name}-${table}.csv"`);
    return send(reply, 'text/csv; charset=utf-8', bulletinCsv(model, table!));
  });
}

function send(reply: FastifyReply, type: string, body: string | Buffer) {
  return reply.type(type).send(body);
}

/** Manual inputs are kept per month or per year. */
function inputPeriod(v: string | undefined, utcOffset: string): string {
  if (v === undefined) throw new BadRequest('period', 'is required (YYYY-MM or YYYY)');
  try {
    const p = parsePeriod({ period: v }, utcOffset);
    return p.label;
  } catch (err) {
    if (err instanceof PeriodError) throw new BadRequest('period', err.message.slice(err.param.length + 2));
    throw err;
  }
}

function parseChanges(v: unknown): InputChange[] {
  if (!Array.isArray(v) || !v.length) throw new BadRequest('inputs', 'must be a non-empty array of {unit, item, value, note?}');
  if (v.length > 1000) throw new BadRequest('inputs', 'at most 1000 changes at once');
  return v.map((x, i): InputChange => {
    const f = `inputs[${i}]`;
    if (!x || typeof x !== 'object' || Array.isArray(x)) throw new BadRequest(f, 'must be an object {unit, item, value, note?}');
    const o = x as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!['unit', 'item', 'value', 'note'].includes(k)) throw new BadRequest(`${f}.${k}`, 'is not a field (unit, item, value, note)');
    if (typeof o.unit !== 'string' || !o.unit) throw new BadRequest(`${f}.unit`, 'must be a unit id');
    if (typeof o.item !== 'string' || !o.item) throw new BadRequest(`${f}.item`, 'must be an item id of the scheme');
    if (!(o.value === null || (typeof o.value === 'number' && Number.isFinite(o.value)))) throw new BadRequest(`${f}.value`, 'must be a number, or null to remove the input');
    if (o.note !== undefined && o.note !== null && (typeof o.note !== 'string' || o.note.length > 500)) throw new BadRequest(`${f}.note`, 'must be a text of at most 500 characters');
    return { unit: o.unit, item: o.item, value: o.value as number | null, note: (o.note as string | null | undefined) ?? null };
  });
}

/** Every unit of the scheme's kind with its assessment group (the scheme's map first). */
async function unitGroups(data: AssessmentData, s: { by: Parameters<AssessmentData['catalog']>[0]; groups: { map: Record<string, string> } }): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>();
  if (s.by === 'grid') {
    const { rows } = await data.pool.query<{ code: string }>('SELECT code FROM grids');
    for (const r of rows) out.set(r.code, s.groups.map[r.code] ?? null);
    return out;
  }
  const { units } = await data.catalog(s.by);
  for (const [id, u] of units) out.set(id, s.groups.map[id] ?? u.group ?? null);
  return out;
}
