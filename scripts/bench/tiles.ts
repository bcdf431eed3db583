/**
 * Vector tiles of the components layer at zoom 14–16 over 1M components (generator scale flags):
 * HTTP endpoint of a real API process vs the same ST_AsMVT SQL run directly, cold (empty tile cache) and cached,
 * and the peak memory of the API process. Needs a real PostGIS (see bench-db.ts).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadDemoCity } from '../../api/demo/load.ts';
import { ensureWebBuilt } from '../../api/web/build.ts';
import { mvtSql } from '../../api/tiles/sql.ts';
import { createBenchDatabase } from './bench-db.ts';
import { median, quantile, startApiProcess, timeMs, type Figure } from './harness.ts';

const COMPONENTS = Number(process.env.BENCH_COMPONENTS ?? 1_000_000);
const DIR = path.join(os.tmpdir(), `citylens-bench-components-${COMPONENTS}`);

function tileRange(z: number, [w, s, e, n]: number[]) {
  const tx = (lon: number) => Math.floor(((lon + 180) / 360) * 2 ** z);
  const ty = (lat: number) => {
    const r = (lat * Math.PI) / 180;
    return Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * 2 ** z);
  };
  const tiles: { z: number; x: number; y: number }[] = [];
  for (let x = tx(w); x <= tx(e); x++) for (let y = ty(n); y <= ty(s); y++) tiles.push({ z, x, y });
  return tiles;
}

/** Every k-th tile, so the sample spreads over the whole district. */
const spread = <T>(xs: T[], n: number) => (xs.length <= n ? xs : Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]));

const status = (pid: number, field: string) => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
};

export async function run(): Promise<Figure[]> {
  if (!fs.existsSync(path.join(DIR, 'manifest.json'))) {
    console.error(`[bench] generating ${COMPONENTS} components into ${DIR} …`);
    execFileSync('npx', ['tsx', 'scripts/demo-city/generate.ts', '--components', String(COMPONENTS), '--cases', '0', '--out', DIR], { stdio: 'inherit' });
  }
  const bench = await createBenchDatabase('tiles');
  const { pool } = bench.db;
  try {
    console.error('[bench] loading …');
    await loadDemoCity(pool, DIR);
    await pool.query('ANALYZE');
    const { rows } = await pool.query(`SELECT ST_XMin(e) w, ST_YMin(e) s, ST_XMax(e) e, ST_YMax(e) n FROM (SELECT ST_Extent(geom)::geometry e FROM components) x`);
    const bbox = [rows[0].w, rows[0].s, rows[0].e, rows[0].n];
    const tiles = [...spread(tileRange(14, bbox), 12), ...spread(tileRange(15, bbox), 24), ...spread(tileRange(16, bbox), 48)];

    const direct = async () => {
      const times: number[] = [];
      for (const t of tiles) times.push(await timeMs(() => pool.query(mvtSql('components', t.z), [t.z, t.x, t.y])));
      return times;
    };
    await direct(); // warm PostgreSQL's buffers so both paths read from memory
    const sqlTimes = await direct();

    await ensureWebBuilt(); // a build inside the API process would be counted in its peak memory
    const api = await startApiProcess({ DATABASE_URL: bench.url });
    try {
      const { base } = api;
      const pid = api.proc.pid!;
      const rssIdle = status(pid, 'VmRSS');
      const get = async (t: { z: number; x: number; y: number }) => {
        const res = await fetch(`${base}/tiles/components/${t.z}/${t.x}/${t.y}.mvt`);
        if (!res.ok) throw new Error(`tile ${t.z}/${t.x}/${t.y}: ${res.status}`);
        return res.arrayBuffer();
      };
      // "cold" means an empty tile cache, not a cold process: let the API's database connection load PostGIS
      // and plan a tile query first (on another layer), as the direct-SQL baseline's connection already has.
      for (const t of tiles.slice(0, 5)) await fetch(`${base}/tiles/roads/${t.z}/${t.x}/${t.y}.mvt`).then((r) => r.arrayBuffer());
      const cold: number[] = [];
      let bytes = 0;
      for (const t of tiles) cold.push(await timeMs(async () => (bytes += (await get(t)).byteLength)));
      const cached: number[] = [];
      for (let round = 0; round < 3; round++) for (const t of tiles) cached.push(await timeMs(() => get(t)));
      const peak = status(pid, 'VmHWM');
      const sqlMed = median(sqlTimes);
      console.error(`[bench] ${tiles.length} tiles (z14–16), mean ${(bytes / tiles.length / 1024).toFixed(0)} KiB, ${COMPONENTS} components`);
      return [
        { name: `components tiles z14–16 cold HTTP, median (${tiles.length} tiles)`, value: median(cold), unit: 'ms', baseline: sqlMed, baselineName: 'ST_AsMVT SQL direct', target: '≤ 1.3× SQL', met: median(cold) <= 1.3 * sqlMed },
        { name: 'components tiles z14–16 cold HTTP, p95', value: quantile(cold, 0.95), unit: 'ms', baseline: quantile(sqlTimes, 0.95), baselineName: 'ST_AsMVT SQL direct p95' },
        { name: 'components tiles z14–16 cached HTTP, median', value: median(cached), unit: 'ms', baseline: sqlMed, baselineName: 'ST_AsMVT SQL direct', target: '≤ 2 ms', met: median(cached) <= 2 },
        { name: 'components tiles z14–16 cached HTTP, p95', value: quantile(cached, 0.95), unit: 'ms', baseline: quantile(sqlTimes, 0.95), baselineName: 'ST_AsMVT SQL direct p95' },
        { name: 'API process peak memory (VmHWM)', value: peak, unit: 'MiB', baseline: rssIdle, baselineName: 'RSS after start' },
      ];
    } finally {
      await api.stop();
    }
  } finally {
    await bench.drop();
  }
}
