/**
 * Intake throughput: `POST /api/cases` over HTTP on loopback (autocannon) against an API process on a real PostGIS
 * holding the demo city — every derivation on (districts, grid, work grid, road snap, zones, violation, duplicates,
 * taxonomy, serial, events) — vs plain single-row INSERTs of the very rows the API created, into a copy of `cases`
 * with the same indexes: one connection in a loop (the issue's baseline), and one loop per API pool connection.
 * Also CPU time per case (API process + its PostgreSQL sessions, read from /proc), which unlike the rates does not
 * depend on what else the machine is running.
 * Run alone: `npx tsx scripts/bench/intake.ts` (BENCH_DATABASE_URL / TEST_DATABASE_URL; BENCH_INTAKE_CASES, default 20000).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type pg from 'pg';
import { DEMO_CITY_DIR, loadDemoCity } from '../../api/demo/load.ts';
import { activeStandard } from '../../api/taxonomy/load.ts';
import { createBenchDatabase } from './bench-db.ts';
import { formatTable, startApiProcess, type Figure } from './harness.ts';

const TOTAL = Number(process.env.BENCH_INTAKE_CASES ?? 20_000);
const CONNECTIONS = Number(process.env.BENCH_INTAKE_CONNECTIONS ?? 32);
const POOL = 10; // the API's pg pool size on a real server (api/db/connect.ts)
const TOKEN = 'bench-collector-token';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  duration: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon; // ships no types

/** CPU ms (user + system) used so far by each process; empty when /proc cannot tell (not Linux, remote server). */
function cpuSnapshot(pids: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    if (!fs.existsSync(`/proc/${pid}/stat`)) continue;
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    out.set(pid, (Number(f[11]) + Number(f[12])) * (1000 / 100)); // clock ticks (USER_HZ = 100)
  }
  return out;
}

/** CPU ms used between two snapshots by the processes in both (an idle session that closed meanwhile used nothing). */
function cpuSince(before: Map<number, number>, only?: (pid: number) => boolean): number {
  if (!before.size) return NaN;
  const after = cpuSnapshot([...before.keys()].filter((pid) => !only || only(pid)));
  let total = 0;
  for (const [pid, ms] of after) total += ms - before.get(pid)!;
  return total;
}

/** Server processes of this database's sessions (when the server runs on this machine). */
async function backendPids(pool: pg.Pool): Promise<number[]> {
  const { rows } = await pool.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
  return rows.map((r) => r.pid);
}

/** The shipped demo city, or one generated once into the temp folder. */
function demoCityDir(): string {
  if (fs.existsSync(path.join(DEMO_CITY_DIR, 'manifest.json'))) return DEMO_CITY_DIR;
  const dir = path.join(os.tmpdir(), 'citylens-bench-demo');
  if (!fs.existsSync(path.join(dir, 'manifest.json'))) {
    console.error(`[bench] generating the demo city into ${dir} …`);
    execFileSync('npx', ['tsx', 'scripts/demo-city/generate.ts', '--out', dir], { stdio: 'inherit' });
  }
  return dir;
}

/** Request bodies: points spread over the county, event minors of the active taxonomy, patrol reports. */
async function bodies(pool: pg.Pool, n: number): Promise<string[]> {
  const { rows: pts } = await pool.query<{ lon: number; lat: number }>(
    `SELECT ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat FROM (SELECT (ST_Dump(ST_GeneratePoints(geom, $1, 7))).geom FROM districts WHERE level = 'county') p`, [n]);
  const { rows: minors } = await pool.query<{ kind: string; code: string }>(
    `SELECT kind, code FROM taxonomy WHERE level = 'minor' AND standard = $1 ORDER BY kind, code`, [activeStandard()]);
  return pts.map((p, i) => {
    const m = minors[(i * 7919) % minors.length];
    return JSON.stringify({ source: 'patrol', kind: m.kind, minor: m.code, description: `压测案件 ${i}`, lon: p.lon, lat: p.lat, address: '阳和新区', photos: [`bench/${i}.jpg`] });
  });
}

/** Posts `list` through autocannon; every response must be a 201. */
async function post(base: string, list: string[], connections: number): Promise<AutocannonResult> {
  let i = 0;
  const r = await autocannon({
    url: `${base}/api/cases`,
    connections,
    amount: list.length,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, setupRequest: (req: object) => ({ ...req, body: list[i++ % list.length] }) }],
  });
  if (r.non2xx || r.errors) throw new Error(`intake: ${r.non2xx} non-2xx responses, ${r.errors} errors`);
  return r;
}

/** Single-row INSERTs of the API's rows into a copy of `cases` (same indexes): `loops` connections in parallel. */
async function insertLoop(pool: pg.Pool, table: string, since: Date, loops: number): Promise<{ rate: number; cpuMs: number }> {
  await pool.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (LIKE cases INCLUDING ALL)`);
  const cols = (await pool.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_name = 'cases' AND is_generated = 'NEVER' ORDER BY ordinal_position`)).rows.map((r) => r.column_name);
  const { rows } = await pool.query(`SELECT ${cols.join(', ')} FROM cases WHERE created_at >= $1`, [since]);
  const sql = `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, k) => `$${k + 1}`).join(', ')})`;
  const values = rows.map((r) => cols.map((c) => (c === 'zones' || c === 'photos' || c === 'possible_duplicates' ? JSON.stringify(r[c]) : r[c])));
  let next = 0;
  const clients = await Promise.all(Array.from({ length: loops }, () => pool.connect()));
  const pids = [process.pid, ...(await Promise.all(clients.map(async (c) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid)))];
  const cpu0 = cpuSnapshot(pids);
  const t0 = performance.now();
  await Promise.all(clients.map(async (client) => {
    try {
      while (next < values.length) await client.query(sql, values[next++]);
    } finally {
      client.release();
    }
  }));
  return { rate: values.length / ((performance.now() - t0) / 1000), cpuMs: cpuSince(cpu0) / values.length };
}

export async function run(): Promise<Figure[]> {
  const dir = demoCityDir();
  const bench = await createBenchDatabase('intake');
  const { pool } = bench.db;
  try {
    console.error('[bench] loading the demo city …');
    await loadDemoCity(pool, dir);
    await pool.query('ANALYZE');
    const warm = await bodies(pool, 2000);
    const list = await bodies(pool, TOTAL);

    const api = await startApiProcess({
      DATABASE_URL: bench.url, DEMO_TOKENS: '0', API_TOKENS: JSON.stringify([{ token: TOKEN, user: '压测监督员', role: 'collector' }]),
    });
    let result: AutocannonResult;
    let since: Date;
    let cpuPerIntake = NaN;
    let apiCpuPerIntake = NaN;
    try {
      const { base } = api;
      await post(base, warm, CONNECTIONS); // JIT, pg statement plans, buffers
      const pids = [api.proc.pid!, ...(await backendPids(pool))];
      const cpu0 = cpuSnapshot(pids);
      since = new Date();
      result = await post(base, list, CONNECTIONS);
      cpuPerIntake = cpuSince(cpu0) / TOTAL;
      apiCpuPerIntake = cpuSince(cpu0, (pid) => pid === api.proc.pid) / TOTAL;
    } finally {
      await api.stop();
    }
    const created = Number((await pool.query(`SELECT count(*) FROM cases WHERE created_at >= $1`, [since])).rows[0].count);
    if (created !== TOTAL) throw new Error(`expected ${TOTAL} new cases, found ${created}`);
    const rate = TOTAL / result.duration;
    const loop1 = await insertLoop(pool, 'cases_baseline_1', since, 1);
    const loopN = await insertLoop(pool, 'cases_baseline_n', since, POOL);
    console.error(`[bench] ${TOTAL} intakes over ${CONNECTIONS} connections in ${result.duration.toFixed(1)} s; latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`);
    const figures: Figure[] = [
      { name: `intake POST /api/cases over HTTP (${CONNECTIONS} conns, all derivations)`, value: rate, unit: 'cases/s', baseline: loop1.rate, baselineName: 'single-row INSERT loop, 1 connection', target: '≥ 1500 cases/s', met: rate >= 1500 },
      { name: 'intake POST /api/cases over HTTP, same run', value: rate, unit: 'cases/s', baseline: loopN.rate, baselineName: `single-row INSERT loops, ${POOL} connections` },
      { name: 'intake latency p50', value: result.latency.p50, unit: 'ms' },
      { name: 'intake latency p99', value: result.latency.p99, unit: 'ms' },
    ];
    // CPU per case does not depend on what else the machine runs; the rates above do.
    if (Number.isFinite(cpuPerIntake) && Number.isFinite(loopN.cpuMs)) {
      figures.push({ name: 'CPU per intake (API process + PostgreSQL sessions)', value: cpuPerIntake, unit: 'ms', baseline: loopN.cpuMs, baselineName: `single-row INSERT (client + session), ${POOL} connections` });
      figures.push({ name: '  of which the API process', value: apiCpuPerIntake, unit: 'ms' });
    }
    return figures;
  } finally {
    await bench.drop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(`\n${formatTable(await run())}\n`);
}
