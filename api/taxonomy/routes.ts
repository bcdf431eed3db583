import type { FastifyInstance } from 'fastify';
import { taxonomyTree, TIME_LIMIT_UNITS, type TaxonomyKind, type TaxonomyRow, type TimeLimitUnit } from '../domain/taxonomy.ts';
import { activeStandard } from './load.ts';

const nullableString = { type: ['string', 'null'] } as const;
const responseSchema = {
  type: 'object',
  required: ['standard', 'kinds'],
  properties: {
    standard: { type: 'string' },
    kinds: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          kind: { type: 'string', enum: ['component', 'event'] },
          name: { type: 'string' },
          majors: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                code: { type: 'string' },
                name: { type: 'string' },
                minors: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      code: { type: 'string' },
                      name: { type: 'string' },
                      standard: { type: 'string' },
                      timeLimit: {
                        type: 'object',
                        properties: { value: { type: 'number' }, unit: { type: 'string', enum: TIME_LIMIT_UNITS } },
                      },
                      registerCondition: nullableString,
                      closeCondition: nullableString,
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

interface DbRow {
  standard: string;
  kind: TaxonomyKind;
  code: string;
  level: 'major' | 'minor';
  major_code: string;
  name: string;
  register_condition: string | null;
  time_limit_value: number | null;
  time_limit_unit: TimeLimitUnit | null;
  close_condition: string | null;
}

/** GET /api/taxonomy?standard= — kinds → majors → minors of one standard (default: the deployment's active one). */
export async function taxonomyRoutes(app: FastifyInstance) {
  // Resolved once: a bad active.json should fail at start, not on the first request.
  const active = activeStandard();

  app.get<{ Querystring: { standard?: string } }>(
    '/api/taxonomy',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { standard: { type: 'string', minLength: 1, maxLength: 64 } },
          additionalProperties: false,
        },
        response: { 200: responseSchema },
      },
    },
    async (req, reply) => {
      const standard = req.query.standard ?? active;
      const { rows } = await app.db.pool.query<DbRow>(
        `SELECT standard, kind, code, level, major_code, name, register_condition,
                time_limit_value, time_limit_unit, close_condition
           FROM taxonomy WHERE standard = $1`,
        [standard],
      );
      if (rows.length === 0) {
        const known = (await app.db.pool.query<{ standard: string }>('SELECT DISTINCT standard FROM taxonomy ORDER BY 1')).rows.map((r) => r.standard);
        // The active standard missing is the server's fault (taxonomy not loaded), not the client's.
        const status = req.query.standard === undefined ? 503 : 400;
        return reply.status(status).send({
          error: status === 400 ? 'unknown_standard' : 'taxonomy_not_loaded',
          message: `unknown taxonomy standard "${standard}"; known: ${known.length ? known.join(', ') : 'none (taxonomy not loaded)'}`,
        });
      }
      return taxonomyTree(rows.map(fromDb), standard);
    },
  );
}

function fromDb(r: DbRow): Omit<TaxonomyRow, 'source'> {
  return {
    standard: r.standard,
    kind: r.kind,
    code: r.code,
    level: r.level,
    majorCode: r.major_code,
    name: r.name,
    registerCondition: r.register_condition,
    timeLimit: r.time_limit_value != null && r.time_limit_unit ? { value: Number(r.time_limit_value), unit: r.time_limit_unit } : null,
    closeCondition: r.close_condition,
  };
}
