/**
 * Bulk import of historical cases (`npm run import -- cases`): 1M CSV rows (generated deterministically into the
 * temp folder) into a synthetic county of 4,096 unit grids, 80 roads and 12 zones on a real PostGIS, with every
 * derivation; vs a plain multi-row INSERT of the same rows without derivations (parsed values, 1,000 rows per
 * statement) into the same table. Also: re-importing the same file (idempotent, nothing changes).
 * Needs a real PostGIS (see bench-db.ts). BENCH_CASE_ROWS overrides the row count.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { importCases } from '../../api/cases-import/import.ts';
import { loadImportSettings } from '../../api/cases-import/settings.ts';
import { createBenchDatabase } from './bench-db.ts';
import { timeMs, type Figure } from './harness.ts';

const ROWS = Number(process.env.BENCH_CASE_ROWS ?? 1_000_000);
const CSV = path.join(os.tmpdir(), `citylens-bench-cases-${ROWS}.csv`);

// The county: 0.2° × 0.2° west of 柳州, 4 streets × 4 communities, 64 × 64 unit grids, 16 × 16 work grids.
const W = 109.35, S = 24.2, SIZE = 0.2, N_GRID = 64;

export const MAPPING = {
  id: 'CASE_ID',
  reportedAt: { column: 'OPEN_DT', format: 'MM/dd/yyyy hh:mm:ss a', timezone: 'Asia/Shanghai' },
  closedAt: { column: 'CLOSED_DT', format: 'MM/dd/yyyy hh:mm:ss a' },
  lon: 'LONGITUDE', lat: 'LATITUDE', category: 'TYPE', department: 'SUBJECT', source: 'SOURCE', status: 'CASE_STATUS',
  description: 'DESCRIPTION',
  categoryMap: { 'Illegal Vending': 'event:0501', 'Exposed Garbage': 'event:0102', 'Illegal Ads': 'event:0201', 'Manhole Cover': 'component:0101', 'Street Light': 'event:01' },
  sourceMap: { App: 'wechat', Call: 'hotline', Employee: 'patrol' },
  statusMap: { Open: 'dispatched', Closed: 'closed' },
};
const TYPES = ['Illegal Vending', 'Exposed Garbage', 'Illegal Ads', 'Manhole Cover', 'Street Light', 'Needle Pickup', '无照经营游商'];
const SUBJECTS = ['Public Works', 'Sanitation', 'Parks', 'Transportation', 'Inspectional Services', '市政设施管理处'];
const SOURCES = ['App', 'Call', 'Employee', '12345'];

/** mulberry32: a small deterministic PRNG, so every run imports the same file. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number) => String(n).padStart(2, '0');
/** "MM/dd/yyyy hh:mm:ss a" of a local wall-clock time given as epoch ms at UTC+8. */
function usDate(localMs: number): string {
  const d = new Date(localMs);
  const h = d.getUTCHours();
  return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()} ${pad(h % 12 || 12)}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? 'AM' : 'PM'}`;
}

interface BenchRow { id: string; lon: number; lat: number; reported: number; closed: number | null; type: string; subject: string; source: string }

function* benchRows(): Generator<BenchRow> {
  const rnd = prng(20260101);
  const start = Date.UTC(2024, 0, 1);
  const span = Date.UTC(2025, 11, 31) - start;
  for (let i = 0; i < ROWS; i++) {
    const reported = start + Math.floor(rnd() * span);
    const closed = rnd() < 0.8 ? reported + Math.floor(rnd() * 5 * 86_400_000) : null;
    yield {
      id: `BENCH${String(i).padStart(8, '0')}`,
      lon: +(W + 0.001 + rnd() * (SIZE - 0.002)).toFixed(6), lat: +(S + 0.001 + rnd() * (SIZE - 0.002)).toFixed(6),
      reported, closed, type: TYPES[Math.floor(rnd() * TYPES.length)], subject: SUBJECTS[Math.floor(rnd() * SUBJECTS.length)],
      source: SOURCES[Math.floor(rnd() * SOURCES.length)],
    };
  }
}

export function writeCsv() {
  if (fs.existsSync(CSV)) return;
  console.error(`[bench] writing ${ROWS} rows to ${CSV} …`);
  const fd = fs.openSync(`${CSV}.part`, 'w');
  let buf = 'CASE_ID,OPEN_DT,CLOSED_DT,CASE_STATUS,TYPE,SUBJECT,SOURCE,LONGITUDE,LATITUDE,DESCRIPTION\n';
  for (const r of benchRows()) {
    buf += `${r.id},${usDate(r.reported)},${r.closed === null ? '' : usDate(r.closed)},${r.closed === null ? 'Open' : 'Closed'},${r.type},${r.subject},${r.source},${r.lon},${r.lat},"generated, row ${r.id}"\n`;
    if (buf.length > 1 << 20) {
      fs.writeSync(fd, buf);
      buf = '';
    }
  }
  fs.writeSync(fd, buf);
  fs.closeSync(fd);
  fs.renameSync(`${CSV}.part`, CSV);
}

/** The synthetic county, built in SQL (the layer importer is not what is measured). */
export async function buildCity(pool: pg.Pool) {
  const env = (x0: string, y0: string, w: string, h: string) => `ST_Multi(ST_MakeEnvelope(${x0}, ${y0}, ${x0} + ${w}, ${y0} + ${h}, 4326))`;
  const q = SIZE / 2, c = SIZE / 4, g = SIZE / N_GRID, wg = SIZE / 16;
  await pool.query(`INSERT INTO departments (id, name) VALUES ('d1', '市政设施管理处')`);
  await pool.query(`INSERT INTO districts (code, name, level, parent_code, geom) VALUES ('450299', '基准区', 'county', NULL, ${env(String(W), String(S), String(SIZE), String(SIZE))})`);
  await pool.query(`INSERT INTO districts (code, name, level, parent_code, geom)
    SELECT '450299' || lpad((sx * 2 + sy + 1)::text, 3, '0'), '街道' || (sx * 2 + sy + 1), 'street', '450299', ${env(`${W} + sx * ${q}`, `${S} + sy * ${q}`, String(q), String(q))}
    FROM generate_series(0, 1) sx, generate_series(0, 1) sy`);
  // community (cx, cy) of 4 × 4 lies in street (cx / 2, cy / 2)
  const street = `'450299' || lpad(((cx / 2) * 2 + cy / 2 + 1)::text, 3, '0')`;
  const community = `${street} || lpad(((cx % 2) * 2 + cy % 2 + 1)::text, 3, '0')`;
  await pool.query(`INSERT INTO districts (code, name, level, parent_code, geom)
    SELECT ${community}, '社区' || cx || cy, 'community', ${street}, ${env(`${W} + cx * ${c}`, `${S} + cy * ${c}`, String(c), String(c))}
    FROM generate_series(0, 3) cx, generate_series(0, 3) cy`);
  await pool.query(`INSERT INTO work_grids (code, name, district_code, community_code, geom)
    SELECT 'WG' || lpad((wx * 16 + wy)::text, 3, '0'), '责任网格' || (wx * 16 + wy), '450299', ${community.replaceAll('cx', '(wx / 4)').replaceAll('cy', '(wy / 4)')},
      ${env(`${W} + wx * ${wg}`, `${S} + wy * ${wg}`, String(wg), String(wg))}
    FROM generate_series(0, 15) wx, generate_series(0, 15) wy`);
  const gc = community.replaceAll('cx', '(gx / 16)').replaceAll('cy', '(gy / 16)');
  await pool.query(`INSERT INTO grids (code, district_code, street_code, community_code, work_grid_code, geom)
    SELECT ${gc} || lpad(((gx % 16) * 16 + gy % 16 + 1)::text, 3, '0'), '450299', left(${gc}, 9), ${gc},
      'WG' || lpad(((gx / 4) * 16 + gy / 4)::text, 3, '0'), ${env(`${W} + gx * ${g}`, `${S} + gy * ${g}`, String(g), String(g))}
    FROM generate_series(0, ${N_GRID - 1}) gx, generate_series(0, ${N_GRID - 1}) gy`);
  // 40 north–south and 40 east–west roads every 0.005°, a main road every 4th, secondary every other
  await pool.query(`INSERT INTO roads (id, name, class, geom)
    SELECT dir || k, '路' || dir || k, CASE WHEN k % 4 = 0 THEN 'main' WHEN k % 2 = 0 THEN 'secondary' ELSE 'alley' END,
      ST_Multi(CASE dir WHEN 'ns' THEN ST_MakeLine(ST_MakePoint(${W} + k * 0.005, ${S}), ST_MakePoint(${W} + k * 0.005, ${S + SIZE}))
                       ELSE ST_MakeLine(ST_MakePoint(${W}, ${S} + k * 0.005), ST_MakePoint(${W + SIZE}, ${S} + k * 0.005)) END)
    FROM generate_series(0, 39) k, unnest(ARRAY['ns', 'ew']) dir`);
  await pool.query(`INSERT INTO zones (id, name, level, windows, governed_minors, time_limit_class, geom)
    SELECT 'z' || k, '区域' || k, (ARRAY['prohibited', 'restricted', 'key'])[k % 3 + 1],
      CASE WHEN k % 3 = 1 THEN '[{"days":[1,2,3,4,5],"from":"06:00","to":"09:00"}]'::jsonb ELSE '[]'::jsonb END,
      ARRAY['event:0501', 'event:0102'], (ARRAY['A', 'B', NULL])[k % 3 + 1],
      ${env(`${W} + (k % 4) * 0.05 + 0.01`, `${S} + (k / 4) * 0.06 + 0.01`, '0.02', '0.02')}
    FROM generate_series(0, 11) k`);
  await pool.query('ANALYZE');
}

/** The baseline: the same rows, values already parsed, multi-row INSERTs into `cases`, no derivations. */
async function plainInsert(pool: pg.Pool): Promise<number> {
  const BATCH = 1000;
  const COLS = 9;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    let batch: unknown[] = [];
    const flush = async () => {
      const n = batch.length / COLS;
      if (!n) return;
      const values = Array.from({ length: n }, (_, r) => {
        const p = (k: number) => `$${r * COLS + k}`;
        return `(${p(1)}, '450299', ${p(2)}, 'event', '05', '0501', ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ST_SetSRID(ST_MakePoint(${p(7)}, ${p(8)}), 4326), ${p(9)})`;
      });
      await client.query(`INSERT INTO cases (id, district_code, source, kind, major, minor, status, department_id, reported_at, closed_at, geom, description) VALUES ${values.join(', ')}`, batch);
      batch = [];
    };
    const src: Record<string, string> = { App: 'wechat', Call: 'hotline', Employee: 'patrol', '12345': 'hotline' };
    for (const r of benchRows()) {
      batch.push(r.id, src[r.source], r.closed === null ? 'dispatched' : 'closed', 'd1', new Date(r.reported - 8 * 3_600_000), r.closed === null ? null : new Date(r.closed - 8 * 3_600_000), r.lon, r.lat, `generated, row ${r.id}`);
      if (batch.length >= BATCH * COLS) await flush();
    }
    await flush();
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  return ROWS;
}

export async function run(): Promise<Figure[]> {
  writeCsv();
  const bench = await createBenchDatabase('case_import');
  const { pool } = bench.db;
  try {
    await buildCity(pool);
    const settings = await loadImportSettings(pool, {});
    // BENCH_TRACE=1: time per statement kind, summed over the chunks
    const traced = new Map<string, number>();
    const trace = process.env.BENCH_TRACE ? (sql: string, ms: number) => traced.set(sql, (traced.get(sql) ?? 0) + ms) : undefined;
    const opts = { mapping: MAPPING, crs: 'wgs84' as const, strict: false, copy: true, file: CSV, now: new Date('2026-02-01T00:00:00Z'), trace };
    const dump = () => {
      for (const [sql, ms] of [...traced].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.error(`  ${(ms / 1000).toFixed(2).padStart(7)} s  ${sql}`);
      traced.clear();
    };

    console.error('[bench] baseline: plain multi-row INSERT …');
    const baseMs = await timeMs(() => plainInsert(pool));
    await pool.query('TRUNCATE cases');
    await pool.query('CHECKPOINT').catch(() => undefined); // needs superuser; only evens out WAL between the runs

    console.error('[bench] import …');
    let report!: Awaited<ReturnType<typeof importCases>>;
    const importMs = await timeMs(async () => (report = await importCases(pool, fs.createReadStream(CSV), settings, opts)));
    console.error(`[bench] import phases (s): ${JSON.stringify(report.phases)}`);
    dump();
    if (report.inserted !== ROWS) throw new Error(`expected ${ROWS} new cases, got ${report.inserted} (rejected ${report.rejected.length}: ${report.rejected[0]?.reason})`);
    console.error('[bench] re-import …');
    const againMs = await timeMs(async () => (report = await importCases(pool, fs.createReadStream(CSV), settings, opts)));
    console.error(`[bench] re-import phases (s): ${JSON.stringify(report.phases)}`);
    dump();
    if (report.unchanged !== ROWS) throw new Error(`re-import: expected ${ROWS} unchanged, got ${report.unchanged}`);

    const rate = (ms: number) => ROWS / (ms / 1000);
    return [
      {
        name: `case import ${ROWS.toLocaleString('en')} rows, CSV → cases with derivations`, value: rate(importMs), unit: 'rows/s',
        baseline: rate(baseMs), baselineName: 'multi-row INSERT, no derivations', target: '≥ 20,000 rows/s', met: rate(importMs) >= 20_000,
      },
      { name: `case re-import of the same file (all unchanged)`, value: rate(againMs), unit: 'rows/s', baseline: rate(baseMs), baselineName: 'multi-row INSERT, no derivations' },
    ];
  } finally {
    await bench.drop();
  }
}
