/**
 * Unit-grid topology checks on a district of 10,000 grids (a 100×100 tiling of ~100 m cells in 100 communities of
 * 10×10, generated in SQL):
 *   - POST /api/grids/validate of one edited grid (median ms; target ≤ 50 ms), beside the raw-SQL floor of the same
 *     request (validity + indexed overlap query in one statement) and beside the naive gap check that unions the
 *     whole district;
 *   - the full coverage check of the district (api/grids/coverage.ts) vs the naive ST_Union approach
 *     (district − union of all grids, overlap area = Σ areas − area of the union), on a clean tiling and with one
 *     gap and one overlap planted.
 * Needs a real PostGIS (see bench-db.ts).
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.ts';
import { loadConfig } from '../../api/config.ts';
import { coverageCheck } from '../../api/grids/coverage.ts';
import { loadGridConfig } from '../../api/grids/config.ts';
import { importLayer } from '../../api/layers/import.ts';
import { createBenchDatabase } from './bench-db.ts';
import { median, timeMs, type Figure } from './harness.ts';

const X0 = 109.4, Y0 = 24.2, DX = 0.001, DY = 0.0009; // ~101 m × 100 m at 24°N
const SRID = 32649;

/** Districts and grids of the tiling; coordinates are x0 + i·dx in float8 so shared edges are bit-identical. */
const SETUP = `
  INSERT INTO districts (code, name, level, parent_code, geom)
  SELECT '450203', '基准区', 'county', NULL, ST_Multi(ST_MakeEnvelope(${X0}, ${Y0}, ${X0} + 100 * ${DX}::float8, ${Y0} + 100 * ${DY}::float8, 4326))
  UNION ALL
  SELECT '450203001', '基准街道', 'street', '450203', ST_Multi(ST_MakeEnvelope(${X0}, ${Y0}, ${X0} + 100 * ${DX}::float8, ${Y0} + 100 * ${DY}::float8, 4326));
  INSERT INTO districts (code, name, level, parent_code, geom)
  SELECT '450203001' || lpad((bj * 10 + bi + 1)::text, 3, '0'), '社区' || (bj * 10 + bi + 1), 'community', '450203001',
         ST_Multi(ST_MakeEnvelope(${X0} + (bi * 10) * ${DX}::float8, ${Y0} + (bj * 10) * ${DY}::float8,
                                  ${X0} + (bi * 10 + 10) * ${DX}::float8, ${Y0} + (bj * 10 + 10) * ${DY}::float8, 4326))
  FROM generate_series(0, 9) bi, generate_series(0, 9) bj;
  INSERT INTO grids (code, district_code, street_code, community_code, geom)
  SELECT c || lpad(((j % 10) * 10 + (i % 10) + 1)::text, 3, '0'), '450203', '450203001', c,
         ST_Multi(ST_MakeEnvelope(${X0} + i * ${DX}::float8, ${Y0} + j * ${DY}::float8, ${X0} + (i + 1) * ${DX}::float8, ${Y0} + (j + 1) * ${DY}::float8, 4326))
  FROM generate_series(0, 99) i, generate_series(0, 99) j,
       LATERAL (SELECT '450203001' || lpad(((j / 10) * 10 + (i / 10) + 1)::text, 3, '0') AS c) k;
  ANALYZE;`;

const cell = (i: number, j: number) => {
  const community = '450203001' + String(Math.floor(j / 10) * 10 + Math.floor(i / 10) + 1).padStart(3, '0');
  return { code: community + String((j % 10) * 10 + (i % 10) + 1).padStart(3, '0'), community };
};

async function samples(n: number, fn: () => Promise<unknown>, warm = 3): Promise<number[]> {
  for (let i = 0; i < warm; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await timeMs(fn));
  return out;
}

export async function run(): Promise<Figure[]> {
  const bench = await createBenchDatabase('grids');
  const { pool } = bench.db;
  let app: FastifyInstance | undefined;
  try {
    console.error('[bench] grids: generating a 100×100 tiling …');
    await pool.query(SETUP);
    const config = loadGridConfig({});
    const tokens = JSON.stringify([{ token: 'bench-analyst', user: 'bench', role: 'analyst' }]);
    app = await buildApp({ db: bench.db, config: loadConfig({ DATABASE_URL: bench.url, API_TOKENS: tokens }) });

    // one edited grid in the middle: a vertex added on its south edge (same shape: a valid edit that runs every check)
    const { code } = cell(55, 55);
    const [x0, y0, x1, y1] = [X0 + 55 * DX, Y0 + 55 * DY, X0 + 56 * DX, Y0 + 56 * DY];
    const geometry = { type: 'Polygon', coordinates: [[[x0, y0], [(x0 + x1) / 2, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]] };
    const validate = async () => {
      const res = await app!.inject({ method: 'POST', url: '/api/grids/validate', payload: { code, geometry, replaces: [code] } });
      if (res.statusCode !== 200 || !res.json().valid) throw new Error(`validate failed: ${res.body}`);
    };
    const floor = () => pool.query(
      `SELECT ST_IsValid(g) AS ok, (SELECT count(*) FROM grids o WHERE o.geom && g AND o.code <> $2 AND ST_Relate(o.geom, g, '2********')) AS overlaps
       FROM (SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326) AS g) s`,
      [JSON.stringify(geometry), code],
    );
    const naiveGap = () => pool.query(
      `SELECT ST_Area(ST_Transform(ST_Difference(d.geom, ST_Union(u.geom)), ${SRID})) FROM districts d,
         (SELECT geom FROM grids WHERE code <> $2 UNION ALL SELECT ST_SetSRID(ST_GeomFromGeoJSON($1), 4326)) u
       WHERE d.code = '450203' GROUP BY d.geom`,
      [JSON.stringify(geometry), code],
    );
    console.error('[bench] grids: validation …');
    const v = median(await samples(30, validate));
    const f = median(await samples(30, floor));
    const naiveV = median(await samples(3, naiveGap, 1));

    const naiveCoverage = () => pool.query(
      `SELECT ST_Area(ST_Transform(ST_Difference(d.geom, u.g), ${SRID})) AS gap,
              (SELECT sum(ST_Area(ST_Transform(geom, ${SRID}))) FROM grids WHERE district_code = '450203') - ST_Area(ST_Transform(u.g, ${SRID})) AS overlap
       FROM districts d, (SELECT ST_Union(geom) AS g FROM grids WHERE district_code = '450203') u WHERE d.code = '450203'`,
    );
    const ours = async (expectProblems: number) => {
      const r = await coverageCheck(pool, '450203', { srid: SRID, config });
      if (r.problems.length !== expectProblems) throw new Error(`coverage check found ${r.problems.length} problems, expected ${expectProblems}`);
    };
    console.error('[bench] grids: coverage, clean tiling …');
    const cClean = median(await samples(5, () => ours(0), 1));
    const nClean = median(await samples(3, naiveCoverage, 1));

    // plant a gap (one grid shrunk) and an overlap (another grid grown into its neighbour)
    const a = cell(20, 20), b = cell(70, 70);
    await pool.query(`UPDATE grids SET geom = ST_Multi(ST_MakeEnvelope(${X0 + 20 * DX}, ${Y0 + 20 * DY + DY / 4}, ${X0 + 21 * DX}, ${Y0 + 21 * DY}, 4326)) WHERE code = $1`, [a.code]);
    await pool.query(`UPDATE grids SET geom = ST_Multi(ST_MakeEnvelope(${X0 + 70 * DX}, ${Y0 + 70 * DY}, ${X0 + 71 * DX + DX / 4}, ${Y0 + 71 * DY}, 4326)) WHERE code = $1`, [b.code]);
    console.error('[bench] grids: coverage, one gap + one overlap …');
    const cBad = median(await samples(5, () => ours(2), 1));
    const nBad = median(await samples(3, naiveCoverage, 1));

    // bulk: re-import the whole district with every vertex inside a community moved by 1e-6° (all 10k grids change,
    // shared vertices stay shared), vs the plain layer import of the same file (no topology checks, no revisions)
    console.error('[bench] grids: import of 10k grids …');
    await pool.query(`UPDATE grids SET geom = ST_Multi(ST_MakeEnvelope(${X0 + 20 * DX}, ${Y0 + 20 * DY}, ${X0 + 21 * DX}, ${Y0 + 21 * DY}, 4326)) WHERE code = $1`, [a.code]);
    await pool.query(`UPDATE grids SET geom = ST_Multi(ST_MakeEnvelope(${X0 + 70 * DX}, ${Y0 + 70 * DY}, ${X0 + 71 * DX}, ${Y0 + 71 * DY}, 4326)) WHERE code = $1`, [b.code]);
    const exported = (await app.inject({ url: '/api/grids/export?district=450203' })).json();
    for (const f of exported.features) {
      for (const p of f.geometry.coordinates[0][0] as number[][]) {
        const i = Math.round((p[0] - X0) / DX), j = Math.round((p[1] - Y0) / DY);
        if (i % 10 !== 0 && j % 10 !== 0) p[0] += 1e-6;
      }
      delete f.properties.version;
    }
    const payload = JSON.stringify(exported);
    const imp = await timeMs(async () => {
      const res = await app!.inject({ method: 'POST', url: '/api/grids/import', payload, headers: { 'content-type': 'application/json', authorization: 'Bearer bench-analyst' } });
      if (res.statusCode !== 200 || res.json().updated.length !== 10_000) throw new Error(`import failed: ${res.body.slice(0, 500)}`);
    });
    const plain = await timeMs(() => importLayer(pool, 'grids', exported, { analysisSrid: SRID }));

    return [
      { name: 'grids: validate one edited grid, 10k-grid district (median, HTTP)', value: v, unit: 'ms', baseline: f, baselineName: 'raw SQL floor: validity + indexed overlaps', target: '≤ 50 ms', met: v <= 50 },
      { name: 'grids: validate one edited grid (median)', value: v, unit: 'ms', baseline: naiveV, baselineName: 'naive gap check: ST_Union of the district' },
      { name: 'grids: full coverage check, 10k grids, clean (median)', value: cClean, unit: 'ms', baseline: nClean, baselineName: 'naive ST_Union of the district' },
      { name: 'grids: full coverage check, 1 gap + 1 overlap (median)', value: cBad, unit: 'ms', baseline: nBad, baselineName: 'naive ST_Union of the district' },
      { name: 'grids: import 10k changed grids, all checks + revisions (1 run)', value: imp, unit: 'ms', baseline: plain, baselineName: 'layer import, no topology checks' },
    ];
  } finally {
    await app?.close();
    await bench.drop();
  }
}

// `npx tsx scripts/bench/grids.ts` runs this benchmark alone
if (import.meta.url === `file://${process.argv[1]}`) {
  const { formatTable } = await import('./harness.ts');
  console.log(`\n${formatTable(await run())}\n`);
}
