/**
 * Assessment of one month over 1M cases: GET /api/assessment/scores (every department, every metric, one scheme:
 * one GROUP BY pass with a FILTER per count) and GET /api/assessment (the same plus 上期: two passes), against the
 * straightforward way — one count query per department and metric with the very same conditions — measured in
 * the same run on the same database, results checked equal. Two months: the last complete one (what the office
 * runs in the first days of a month) and one ten months back (most of the history is still "alive" after it).
 * Run alone: `npx tsx scripts/bench/assessment.ts` (BENCH_DATABASE_URL / TEST_DATABASE_URL; BENCH_ASSESSMENT_DIR
 * = a generated city with 1M cases, default /tmp/big, generated there when missing).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { buildApp } from '../../api/app.ts';
import { loadSettings } from '../../api/assessment/config.ts';
import { CASE_LATERALS, CASE_WHERE, metricConditions, metricsSql } from '../../api/assessment/sql.ts';
import { loadConfig } from '../../api/config.ts';
import { DEMO_CITY_DIR, loadCases, loadDemoCity } from '../../api/demo/load.ts';
import { COUNT_METRICS } from '../../api/domain/assessment/metrics.ts';
import { offsetMs, parsePeriod, type AssessmentPeriod } from '../../api/domain/assessment/period.ts';
import { loadTaxonomy } from '../../api/taxonomy/load.ts';
import { createBenchDatabase } from './bench-db.ts';
import { formatTable, median, timeMs, type Figure } from './harness.ts';

const BIG = process.env.BENCH_ASSESSMENT_DIR ?? '/tmp/big';
const RUNS = 3;

function bigCity(): string {
  if (!fs.existsSync(path.join(BIG, 'cases.csv.gz'))) {
    console.error(`[bench] generating 1M cases into ${BIG} …`);
    execFileSync('npx', ['tsx', 'scripts/demo-city/generate.ts', '--cases', '1000000', '--out', BIG], { stdio: 'inherit' });
  }
  return path.join(BIG, 'cases.csv.gz');
}

/** Every metric of every department, one count query at a time. Returns department → metric → count. */
async function perDepartment(pool: pg.Pool, p: AssessmentPeriod, hasRepeat: boolean): Promise<Map<string | null, Record<string, number>>> {
  const settings = loadSettings();
  const cond = metricConditions({ windows: settings.timeWindows, offsetSeconds: offsetMs(settings.utcOffset) / 1000, hasRepeat });
  const depts = [...(await pool.query<{ id: string }>('SELECT id FROM departments ORDER BY id')).rows.map((r) => r.id), null];
  const out = new Map<string | null, Record<string, number>>();
  for (const d of depts) {
    const row: Record<string, number> = {};
    for (const m of COUNT_METRICS) {
      const { rows } = await pool.query<{ n: number }>(
        `SELECT count(*) AS n FROM cases c ${CASE_LATERALS} WHERE ${CASE_WHERE} AND c.department_id IS NOT DISTINCT FROM $3 AND (${cond[m]})`,
        [p.from, p.to, d]);
      row[m] = Number(rows[0].n);
    }
    out.set(d, row);
  }
  return out;
}

/** Every metric of one department per query (the middle way). */
async function perDepartmentAllMetrics(pool: pg.Pool, p: AssessmentPeriod, hasRepeat: boolean): Promise<number> {
  const settings = loadSettings();
  const sql = metricsSql({ by: 'department', windows: settings.timeWindows, offsetSeconds: offsetMs(settings.utcOffset) / 1000, hasRepeat })
    .replace('GROUP BY u.unit', 'AND c.department_id IS NOT DISTINCT FROM $3 GROUP BY u.unit');
  const depts = [...(await pool.query<{ id: string }>('SELECT id FROM departments ORDER BY id')).rows.map((r) => r.id), null];
  let rows = 0;
  for (const d of depts) rows += (await pool.query(sql, [p.from, p.to, d])).rowCount ?? 0;
  return rows;
}

export async function run(): Promise<Figure[]> {
  const casesFile = bigCity();
  const bench = await createBenchDatabase('assessment');
  const { pool } = bench.db;
  try {
    console.error('[bench] loading the demo city, then 1M cases …');
    await loadTaxonomy(pool);
    await loadDemoCity(pool, DEMO_CITY_DIR);
    await pool.query('TRUNCATE case_events, cases');
    const n = await loadCases(pool, casesFile);
    await pool.query('VACUUM ANALYZE cases');
    console.error(`[bench] ${n} cases loaded`);

    const app = await buildApp({ db: bench.db, config: { ...loadConfig({}), databaseUrl: bench.url, demoTokens: true } });
    // the repeats engine's groups of the months assessed (cases.is_repeat), as the live system keeps them
    for (const at of ['2026-10-15T12:00:00+08:00', '2026-01-15T12:00:00+08:00']) {
      const r = await app.inject({ method: 'POST', url: '/api/analysis/repeats/recompute', payload: { at }, headers: { authorization: 'Bearer demo-manager' } });
      if (r.statusCode !== 200) console.error(`[bench] repeats recompute ${at}: ${r.statusCode} ${r.body.slice(0, 200)}`);
    }
    const hasRepeat = (await pool.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'cases' AND column_name = 'is_repeat'`)).rowCount! > 0;
    const figures: Figure[] = [];
    try {
      for (const month of ['2026-10', '2026-01']) {
        const p = parsePeriod({ period: month });
        const scoresUrl = `/api/assessment/scores?period=${month}&scheme=liuzhou-2023`;
        const metricsUrl = `/api/assessment?period=${month}&by=department`;
        const get = async (url: string) => {
          const r = await app.inject({ url });
          if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body.slice(0, 300)}`);
          return r.json();
        };
        // warm both paths once (plans, buffers), and check they agree
        const metrics = await get(metricsUrl) as { rows: { unit: { id: string | null }; current: Record<string, number> }[] };
        await get(scoresUrl);
        const naive = await perDepartment(pool, p, hasRepeat);
        for (const [d, counts] of naive) {
          const row = metrics.rows.find((r) => r.unit.id === d);
          for (const m of COUNT_METRICS) {
            const ours = row?.current[m] ?? 0;
            if (ours !== counts[m]) throw new Error(`${month} ${d} ${m}: one pass ${ours}, per-department ${counts[m]}`);
          }
        }
        const scoresMs: number[] = [];
        const metricsMs: number[] = [];
        const naiveMs: number[] = [];
        const middleMs: number[] = [];
        for (let i = 0; i < RUNS; i++) {
          scoresMs.push(await timeMs(() => get(scoresUrl)));
          metricsMs.push(await timeMs(() => get(metricsUrl)));
          middleMs.push(await timeMs(() => perDepartmentAllMetrics(pool, p, hasRepeat)));
        }
        // 600 queries take minutes: one timed run after the checking (warming) one is enough for a 100× ratio
        naiveMs.push(await timeMs(() => perDepartment(pool, p, hasRepeat)));
        const depts = naive.size;
        const s = median(scoresMs);
        console.error(`[bench] ${month}: scores ${s.toFixed(0)} ms, metrics+上期 ${median(metricsMs).toFixed(0)} ms, ${depts}×${COUNT_METRICS.length} queries ${median(naiveMs).toFixed(0)} ms, ${depts} queries ${median(middleMs).toFixed(0)} ms`);
        figures.push(
          { name: `assessment ${month}, ${(n / 1e6).toFixed(1)}M cases: GET /api/assessment/scores (all departments, all metrics, liuzhou-2023)`, value: s, unit: 'ms', baseline: median(naiveMs), baselineName: `${depts} departments × ${COUNT_METRICS.length} metrics, one count query each`, target: '≤ 2000 ms', met: s <= 2000 },
          { name: `assessment ${month}: same, against one all-metrics query per department`, value: s, unit: 'ms', baseline: median(middleMs), baselineName: `${depts} per-department queries with every FILTER` },
          { name: `assessment ${month}: GET /api/assessment (all metrics + 上期, two passes)`, value: median(metricsMs), unit: 'ms', baseline: median(naiveMs), baselineName: `per-department × metric queries (this month only)` },
        );
      }
    } finally {
      await app.close();
    }
    return figures;
  } finally {
    await bench.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const figures = await run();
  console.log(`\n${formatTable(figures)}\n`);
}
