// The manager view's trend (GET /api/assessment/trend): each month's closure figures in one statement equal
// those GET /api/assessment gives for that month, per unit and for the whole county; bad input is a 400 naming
// the parameter. Real PostGIS (the committed demo city) and the embedded PGlite (a generated 3 000-case city).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app.ts';
import type { MetricsResult } from '../../api/assessment/metrics.ts';
import type { TrendResult } from '../../api/assessment/trend.ts';
import { loadDemoCity } from '../../api/demo/load.ts';
import { loadTaxonomy } from '../../api/taxonomy/load.ts';
import { generateCity } from '../../scripts/demo-city/generate.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';

const backends: [string, boolean][] = serverUrl ? [['PostgreSQL server (TEST_DATABASE_URL)', false], ['embedded PGlite', true]] : [['embedded PGlite', true]];

describe.each(backends)('assessment trend — %s', (_name, embedded) => {
  let t: TestDatabase;
  let app: FastifyInstance;
  let dir: string | undefined;

  const get = async <T>(url: string) => {
    const r = await app.inject({ url });
    return { status: r.statusCode, body: r.json() as T };
  };
  const pick = (f: { dueToClose: number; closed: number; closedOnTime: number; closureRate: unknown; onTimeClosureRate: unknown }) => ({
    dueToClose: f.dueToClose, closed: f.closed, closedOnTime: f.closedOnTime, closureRate: f.closureRate, onTimeClosureRate: f.onTimeClosureRate,
  });

  beforeAll(async () => {
    t = await createTestDatabase({ embedded });
    await loadTaxonomy(t.db.pool);
    if (embedded) {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'citylens-trend-'));
      await generateCity({ seed: 2, cases: 3000, components: 200, end: '2026-11-20', out: dir });
      await loadDemoCity(t.db.pool, dir);
    } else {
      await loadDemoCity(t.db.pool);
    }
    app = await buildApp({ db: t.db, config: { ...t.config, demoTokens: true } });
  }, 600_000);
  afterAll(async () => {
    await app?.close();
    await t?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('twelve months by department, oldest first, each equal to that month of GET /api/assessment (no token needed)', async () => {
    const { status, body } = await get<TrendResult>('/api/assessment/trend?period=2026-10&by=department');
    expect(status).toBe(200);
    expect(body.months.map((m) => m.label)).toEqual(['2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']);
    let due = 0;
    for (const [i, m] of body.months.entries()) {
      const metrics = (await get<MetricsResult>(`/api/assessment?period=${m.label}&by=department`)).body;
      expect(m).toEqual(metrics.period);
      expect(body.total[i], m.label).toEqual(pick(metrics.total.current));
      for (const row of metrics.rows) {
        const got = body.rows.find((r) => r.unit.id === row.unit.id);
        if (!got) {
          // a unit the metrics list only for its previous month (before the trend's first): nothing this month
          expect([row.current.dueToClose, row.current.closed], `${m.label} ${row.unit.id}`).toEqual([0, 0]);
          continue;
        }
        expect(got.unit.name).toBe(row.unit.name);
        expect(got.points[i], `${m.label} ${row.unit.id}`).toEqual(pick(row.current));
      }
      due += body.total[i].dueToClose;
    }
    expect(due).toBeGreaterThan(embedded ? 1000 : 30_000);
    // every department is listed, as in the metrics
    const { rows: depts } = await t.db.pool.query<{ id: string }>('SELECT id FROM departments');
    for (const d of depts) expect(body.rows.some((r) => r.unit.id === d.id), d.id).toBe(true);
  });

  it('other breakdowns and lengths: streets over 3 months, the current total of sources', async () => {
    const { body } = await get<TrendResult>('/api/assessment/trend?period=2026-11&months=3&by=street');
    expect(body.by).toBe('street');
    expect(body.months.map((m) => m.label)).toEqual(['2026-09', '2026-10', '2026-11']);
    const metrics = (await get<MetricsResult>('/api/assessment?period=2026-10&by=street')).body;
    for (const row of metrics.rows) {
      expect(body.rows.find((r) => r.unit.id === row.unit.id)!.points[1], String(row.unit.id)).toEqual(pick(row.current));
    }
    const sources = (await get<TrendResult>('/api/assessment/trend?period=2026-10&months=1&by=source')).body;
    const m = (await get<MetricsResult>('/api/assessment?period=2026-10&by=source')).body;
    expect(sources.total[0]).toEqual(pick(m.total.current));
    // in the metrics' order (sources in their fixed order)
    const order = m.rows.map((r) => r.unit.id);
    const idx = sources.rows.map((r) => order.indexOf(r.unit.id));
    expect(idx.every((i) => i >= 0)).toBe(true);
    expect(idx).toEqual([...idx].sort((a, b) => a - b));
  });

  it('bad input is a 400 naming the parameter', async () => {
    for (const [url, param] of [
      ['/api/assessment/trend', 'period'],
      ['/api/assessment/trend?period=2026', 'period'],
      ['/api/assessment/trend?period=2026-13', 'period'],
      ['/api/assessment/trend?from=2026-01-01&to=2026-03-31', 'from'],
      ['/api/assessment/trend?period=2026-10&months=0', 'months'],
      ['/api/assessment/trend?period=2026-10&months=25', 'months'],
      ['/api/assessment/trend?period=2026-10&months=1.5', 'months'],
      ['/api/assessment/trend?period=2026-10&by=county', 'by'],
      ['/api/assessment/trend?period=2026-10&unit=D006', 'unit'],
    ] as const) {
      const r = await get<{ param: string; message: string }>(url);
      expect(r.status, url).toBe(400);
      expect(r.body.param, url).toBe(param);
    }
  });
});
