import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { buildApp } from '../../api/app.ts';
import type { CaseConfig } from '../../api/cases/config.ts';
import { importLayer } from '../../api/layers/import.ts';
import { loadTaxonomy } from '../../api/taxonomy/load.ts';
import type { TestDatabase } from './db.ts';
import { insertMiniDepartments, miniCity } from './mini-city.ts';

export const SRID = 32649;

const rect = (w: number, s: number, e: number, n: number) => ({ type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] });

/** Zones added to the mini city: a restricted zone with a morning window and a key area of time-limit class A. */
export const extraZones = {
  type: 'FeatureCollection',
  features: [
    {
      type: 'Feature',
      properties: { id: 'z2', name: '西门早市限制区', level: 'restricted', governed_minors: ['event:0501'], windows: [{ days: [1, 2, 3, 4, 5, 6, 7], from: '06:00', to: '09:00' }] },
      geometry: rect(109.455, 24.255, 109.465, 24.265),
    },
    {
      type: 'Feature',
      properties: { id: 'z3', name: '东区核心区', level: 'key', time_limit_class: 'A' },
      geometry: rect(109.485, 24.285, 109.495, 24.295),
    },
  ],
};

/** Taxonomy + the mini city (+ extra zones) + two departments. */
export async function loadMiniCity(pool: pg.Pool) {
  await loadTaxonomy(pool);
  await insertMiniDepartments(pool);
  await pool.query(`INSERT INTO departments (id, name, assessment_group) VALUES ('d2', '环境卫生管理处', 'B') ON CONFLICT DO NOTHING`);
  for (const layer of ['districts', 'grids', 'roads', 'zones'] as const) {
    const r = await importLayer(pool, layer, miniCity[layer], { analysisSrid: SRID });
    if (r.rejected.length) throw new Error(JSON.stringify(r.rejected));
  }
  const r = await importLayer(pool, 'zones', extraZones, { analysisSrid: SRID });
  if (r.rejected.length) throw new Error(JSON.stringify(r.rejected));
}

/** Demo tokens on (demo-department → d1, the first department while there are no cases) plus a d2 staff token. */
export async function caseApp(t: TestDatabase, cases: Partial<CaseConfig> = {}): Promise<FastifyInstance> {
  const apiTokens = JSON.stringify([{ token: 'dept2-token', user: '环卫处员工', role: 'department', department: 'd2' }]);
  return buildApp({ db: t.db, config: { ...t.config, demoTokens: true, apiTokens, cases: { lightSweepSeconds: 0, ...cases } } as typeof t.config });
}

export const TOKENS = {
  collector: 'demo-collector',
  operator: 'demo-operator',
  dispatcher: 'demo-dispatcher',
  department: 'demo-department',
  department2: 'dept2-token',
  display: 'demo-display',
  analyst: 'demo-analyst',
  manager: 'demo-manager',
} as const;

export function client(app: FastifyInstance) {
  const call = async (method: 'GET' | 'POST', url: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.inject({
      method, url, payload: body as object | undefined,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
    return { status: res.statusCode, body: res.body ? res.json() : null, headers: res.headers, raw: res.body };
  };
  return {
    report: (body: Record<string, unknown>, token: string = TOKENS.collector, headers: Record<string, string> = {}) => call('POST', '/api/cases', token, body, headers),
    act: (id: string, body: Record<string, unknown>, token: string) => call('POST', `/api/cases/${id}/actions`, token, body),
    get: (url: string, token: string | null = TOKENS.display) => call('GET', url, token),
  };
}

/** Rows written by intake: cases, events, idempotency records and serials taken. */
export async function counts(pool: pg.Pool): Promise<{ cases: number; events: number; keys: number; serials: number }> {
  const { rows } = await pool.query(`SELECT (SELECT count(*) FROM cases) AS cases, (SELECT count(*) FROM case_events) AS events,
    (SELECT count(*) FROM idempotency_keys) AS keys, (SELECT COALESCE(sum(last), 0)::int FROM case_serials) AS serials`);
  return rows[0];
}
