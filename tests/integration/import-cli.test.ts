import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';
import { miniCity } from '../helpers/mini-city.ts';

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'citylens-cli-'));

/** Runs `npm run import -- …` as a user would; returns exit code and output. */
async function importCli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], { env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('npm run import -- layer', () => {
  let t: TestDatabase | undefined;
  let env: Record<string, string>;
  beforeAll(async () => {
    if (serverUrl) {
      t = await createTestDatabase();
      env = { DATABASE_URL: t.config.databaseUrl! };
    } else {
      env = { DATA_DIR: path.join(tmp, 'data'), DATABASE_URL: '' };
    }
    for (const [name, doc] of Object.entries(miniCity)) fs.writeFileSync(path.join(tmp, `${name}.geojson`), JSON.stringify(doc));
  });
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('exits 2 naming the problem for unknown layers, CRS, missing or malformed files', async () => {
    const cases: [string[], RegExp][] = [
      [['layer', 'rivers', 'x.geojson'], /unknown layer "rivers"/],
      [['layer', 'roads', path.join(tmp, 'roads.geojson'), '--crs', 'bd09'], /unknown CRS "bd09"/],
      [['layer', 'roads', path.join(tmp, 'missing.geojson')], /file not found/],
      [['shapes'], /unknown import kind "shapes"/],
    ];
    fs.writeFileSync(path.join(tmp, 'broken.geojson'), '{"type": "FeatureCollection", "features": [');
    cases.push([['layer', 'roads', path.join(tmp, 'broken.geojson')], /is not valid JSON/]);
    for (const [args, msg] of cases) {
      const r = await importCli(args, env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toMatch(msg);
      expect(r.out).toMatch(/usage: npm run import/);
    }
  }, 300_000);

  it('imports a good file (exit 0) and rejects a bad one with a report (exit 1), writing nothing', async () => {
    const good = await importCli(['layer', 'districts', path.join(tmp, 'districts.geojson')], env);
    expect(good.out).toMatch(/4 districts written/);
    expect(good.code).toBe(0);
    // property mapping: the source file names its code column differently
    const mapped = { type: 'FeatureCollection', features: miniCity.grids.features.map((f) => ({ ...f, properties: { WGBM: f.properties!.code } })) };
    fs.writeFileSync(path.join(tmp, 'grids-mapped.geojson'), JSON.stringify(mapped));
    const g = await importCli(['layer', 'grids', path.join(tmp, 'grids-mapped.geojson'), '--mapping', '{"code":"WGBM"}'], env);
    expect(g.out).toMatch(/4 grids written/);

    const bad = { type: 'FeatureCollection', features: [miniCity.roads.features[0], { type: 'Feature', properties: { id: 'x', name: '坏路', class: 'highway' }, geometry: { type: 'LineString', coordinates: [[109.46, 24.26], [109.47, 24.27]] } }] };
    fs.writeFileSync(path.join(tmp, 'bad-roads.geojson'), JSON.stringify(bad));
    const reportFile = path.join(tmp, 'report.json');
    const r = await importCli(['layer', 'roads', path.join(tmp, 'bad-roads.geojson'), '--report', reportFile], env);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/1 of 2 features rejected, nothing written/);
    expect(r.out).toMatch(/feature 1 \(x\): class "highway" must be one of/);
    expect(JSON.parse(fs.readFileSync(reportFile, 'utf8')).rejected).toHaveLength(1);
    if (t) expect(Number((await t.db.pool.query('SELECT count(*) AS n FROM roads')).rows[0].n)).toBe(0);
  }, 300_000);
});
