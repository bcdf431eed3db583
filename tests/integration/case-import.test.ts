import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import gcoord from 'gcoord';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCases, type CaseImportReport } from '../../api/cases-import/import.ts';
import { loadImportSettings } from '../../api/cases-import/settings.ts';
import { MappingError } from '../../api/domain/case-import.ts';
import { connect } from '../../api/db/connect.ts';
import { migrate } from '../../api/db/migrate.ts';
import { importLayer } from '../../api/layers/import.ts';
import type { FastifyInstance } from 'fastify';
import { caseApp, client, loadMiniCity, TOKENS } from '../helpers/cases.ts';
import { createTestDatabase, serverUrl, type TestDatabase } from '../helpers/db.ts';
import { insertMiniDepartments, miniCity } from '../helpers/mini-city.ts';

const FIX = path.resolve('tests/fixtures');
const MAPPING = JSON.parse(fs.readFileSync(path.join(FIX, 'cases-mapping.json'), 'utf8'));
const NOW = new Date('2025-06-01T00:00:00Z');
const SRID = 32649;

/** The mini city plus a core-area zone (class A) and a restricted morning-market zone with a window. */
async function loadCity(pool: pg.Pool) {
  await insertMiniDepartments(pool);
  for (const layer of ['districts', 'grids', 'roads', 'zones'] as const) {
    const r = await importLayer(pool, layer, miniCity[layer], { analysisSrid: SRID });
    if (r.rejected.length) throw new Error(JSON.stringify(r.rejected));
  }
  await pool.query(`INSERT INTO zones (id, name, level, time_limit_class, geom)
    VALUES ('zA', '核心区', 'key', 'A', ST_Multi(ST_MakeEnvelope(109.455, 24.27, 109.465, 24.28, 4326)))`);
  await pool.query(`INSERT INTO zones (id, name, level, windows, governed_minors, geom)
    VALUES ('zR', '早市限制区', 'restricted', '[{"days":[1,2,3,4,5],"from":"06:00","to":"09:00"}]', '{event:0501}',
            ST_Multi(ST_MakeEnvelope(109.485, 24.255, 109.495, 24.265, 4326)))`);
}

const variants: [string, boolean][] = [...(serverUrl ? [['PostGIS', false] as [string, boolean]] : []), ['embedded PGlite', true]];

describe.each(variants)('case import on %s', (_name, embedded) => {
  let t: TestDatabase;
  let pool: pg.Pool;
  let settings: Awaited<ReturnType<typeof loadImportSettings>>;
  const run = (file: string, opts: { strict?: boolean; mapping?: unknown; text?: string } = {}): Promise<CaseImportReport> => {
    const input = opts.text !== undefined ? ReadableFrom(opts.text) : fs.createReadStream(path.join(FIX, file));
    // chunks of 3 rows: the pipeline, and duplicates and departments across chunks, are exercised too
    return importCases(pool, input, settings, { mapping: opts.mapping ?? MAPPING, crs: 'wgs84', strict: opts.strict ?? false, copy: !embedded, file, now: NOW, chunkRows: 3 });
  };
  const count = async (sql: string) => Number((await pool.query(sql)).rows[0].n);
  const caseRow = async (id: string) => (await pool.query(`SELECT *, ST_X(geom) AS lon, ST_Y(geom) AS lat FROM cases WHERE id = $1`, [id])).rows[0];

  beforeAll(async () => {
    t = await createTestDatabase({ embedded });
    pool = t.db.pool;
    await loadCity(pool);
    settings = await loadImportSettings(pool, { analysisSrid: SRID });
  });
  afterAll(async () => t?.drop());

  it('imports a good CSV with every place derived in SQL and reports the departments it created', async () => {
    const r = await run('cases-good.csv');
    expect(r.rejected).toEqual([]);
    expect(r).toMatchObject({ written: true, total: 8, inserted: 8, updated: 0, unchanged: 0, skipped: [] });
    expect(r.departmentsCreated.map((d) => d.name)).toEqual(['Public Works Department', 'Street Cleaning']);
    expect(r.departmentsCreated[0].id).toMatch(/^imp-[0-9a-f]{10}$/);

    const h1 = await caseRow('H0001');
    expect(h1).toMatchObject({
      district_code: '450203', street_code: '450203001', community_code: '450203001001', grid_code: '45020300100101',
      kind: 'event', major: '05', minor: '0501', original_category: null, source: 'patrol', status: 'closed', department_id: 'd1',
      road_id: null, road_class: 'alley', zone_violation: 'prohibited', time_limit_value: 1, time_limit_unit: 'work_hours',
      time_limit_class: null, light: null, version: 1, imported_version: 1, import_id: Number(r.importId),
    });
    expect(h1.zones).toEqual([{ id: 'z1', name: '阳和广场严禁区', level: 'prohibited', timeLimitClass: null, violation: true }]);
    expect(h1.reported_at.toISOString()).toBe('2025-03-04T01:15:00.000Z'); // 09:15 AM Beijing
    expect(h1.registered_at.toISOString()).toBe('2025-03-04T01:15:00.000Z');
    expect(h1.deadline.toISOString()).toBe('2025-03-04T02:15:00.000Z'); // 1 work hour
    expect(h1.closed_at.toISOString()).toBe('2025-03-04T02:05:00.000Z');

    // near the main road, in the class-A core area: limit halved, deadline of 1.5 work days; unmapped label kept
    const h2 = await caseRow('H0002');
    expect(h2).toMatchObject({
      road_id: 'r1', road_class: 'main', minor: '0699', original_category: 'Needle Pickup', source: 'hotline', status: 'dispatched',
      time_limit_value: 1.5, time_limit_unit: 'work_days', time_limit_class: 'A', zone_violation: null, light: 'red',
      description: 'Needles near the bus stop, "urgent"',
    });
    expect(h2.zones).toEqual([{ id: 'zA', name: '核心区', level: 'key', timeLimitClass: 'A' }]);
    expect(h2.deadline.toISOString()).toBe('2025-03-05T09:45:00.000Z'); // from Tue 14:00: 4 h + Wed 7.25 h → Wed 17:45
    expect(h2.department_id).toBe(r.departmentsCreated.find((d) => d.name === 'Public Works Department')!.id);

    // the file's deadline wins over the taxonomy (2 calendar hours)
    const h3 = await caseRow('H0003');
    expect(h3).toMatchObject({ kind: 'component', minor: '0101', community_code: '450203001002', grid_code: '45020300100202', time_limit_unit: 'calendar_hours' });
    expect(h3.deadline.toISOString()).toBe('2025-03-05T10:00:00.000Z');

    const h4 = await caseRow('H0004');
    expect(h4).toMatchObject({ minor: '0501', source: 'wechat', description: 'multi-line\ndescription', address: null });

    // 33 m outside the county: inside the tolerance, placed in the nearest unit grid (as intake does)
    expect(await caseRow('H0006')).toMatchObject({ district_code: '450203', street_code: '450203001', community_code: '450203001002', grid_code: '45020300100202', minor: '0699', original_category: null });

    // restricted zone: inside its 06:00–09:00 window no violation, outside it a violation
    expect(await caseRow('H0007')).toMatchObject({ zone_violation: null });
    expect((await caseRow('H0008')).zone_violation).toBe('restricted');
    expect((await caseRow('H0008')).zones).toEqual([{ id: 'zR', name: '早市限制区', level: 'restricted', timeLimitClass: null, violation: true }]);

    const imp = (await pool.query(`SELECT * FROM case_imports WHERE id = $1`, [r.importId])).rows[0];
    expect(imp).toMatchObject({ file: 'cases-good.csv', strict: false, total: 8, inserted: 8, rejected: 0 });
    expect(await count(`SELECT count(*) AS n FROM case_events`)).toBe(0); // history appends no live events
  });

  it('re-imports idempotently: unchanged rows are left alone, changed rows updated, cases touched here skipped', async () => {
    const again = await run('cases-good.csv');
    expect(again).toMatchObject({ inserted: 0, updated: 0, unchanged: 8, skipped: [], rejected: [], departmentsCreated: [] });
    expect(await count(`SELECT count(*) AS n FROM cases`)).toBe(8);

    const text = fs.readFileSync(path.join(FIX, 'cases-good.csv'), 'utf8').replace('广场东侧流动摊贩', '广场东侧流动摊贩（复核）');
    const changed = await run('cases-good.csv', { text });
    expect(changed).toMatchObject({ inserted: 0, updated: 1, unchanged: 7 });
    expect(await caseRow('H0001')).toMatchObject({ description: '广场东侧流动摊贩（复核）', version: 2, imported_version: 2 });

    // H0002 moved on in this system (a workflow action bumps the version); H0009 was reported through intake
    await pool.query(`UPDATE cases SET status = 'handled', version = version + 1 WHERE id = 'H0002'`);
    await pool.query(`INSERT INTO cases (id, district_code, source, kind, major, minor, status, reported_at, geom)
      VALUES ('H0009', '450203', 'patrol', 'event', '05', '0501', 'reported', now(), ST_SetSRID(ST_MakePoint(109.46, 24.26), 4326))`);
    const extra = `${text.trimEnd()}\nH0009,03/04/2025 09:15:00 AM,,,Open,E,Illegal Vending,市政设施管理处,Employee Generated,109.4720,24.2720,x,\n`;
    const third = await run('cases-good.csv', { text: extra.replace('Needles near', 'Needles close to') });
    expect(third.skipped.map((s) => [s.line, s.id])).toEqual([[3, 'H0002'], [11, 'H0009']]);
    expect(third.skipped[0].reason).toMatch(/changed here since its import/);
    expect(third.skipped[1].reason).toMatch(/created here \(not imported\)/);
    expect(third).toMatchObject({ inserted: 0, updated: 0, unchanged: 7 });
    expect(await caseRow('H0002')).toMatchObject({ status: 'handled', description: 'Needles near the bus stop, "urgent"' });
    expect(await caseRow('H0009')).toMatchObject({ status: 'reported', imported_version: null });
  });

  it('recomputes the repeat groups of every period it touched, the old one of a moved case too', async () => {
    const header = fs.readFileSync(path.join(FIX, 'cases-good.csv'), 'utf8').split('\n')[0];
    // two 无照经营游商 10 m apart on the main road in April: a repeat pair (threshold 2)
    const rows = (second: string) => `${header}
R0001,04/08/2025 09:00:00 AM,,,Open,E,Illegal Vending,市政设施管理处,Employee Generated,109.4550,24.2750,x,
R0002,${second},,,Open,E,Illegal Vending,市政设施管理处,Employee Generated,109.4551,24.2750,y,
`;
    const r = await run('repeats.csv', { text: rows('04/09/2025 09:00:00 AM') });
    expect(r).toMatchObject({ inserted: 2, rejected: [], repeats: { periods: ['2025-04'], reachedGroups: 1, repeatCases: 2 } });
    const flags = async () => (await pool.query(`SELECT id, repeat_group_id AS g, is_repeat AS rep FROM cases WHERE id IN ('R0001', 'R0002') ORDER BY id`)).rows;
    expect(await flags()).toEqual([{ id: 'R0001', g: 'R0001', rep: true }, { id: 'R0002', g: 'R0001', rep: true }]);
    // an unchanged re-import touches nothing
    expect((await run('repeats.csv', { text: rows('04/09/2025 09:00:00 AM') })).repeats.periods).toEqual([]);
    // the second moved to May: April and May are both recomputed, and neither holds a repeat
    const moved = await run('repeats.csv', { text: rows('05/02/2025 09:00:00 AM') });
    expect(moved).toMatchObject({ updated: 1, repeats: { periods: ['2025-04', '2025-05'], reachedGroups: 0, repeatCases: 0 } });
    expect(await flags()).toEqual([{ id: 'R0001', g: 'R0001', rep: false }, { id: 'R0002', g: 'R0002', rep: false }]);
    await pool.query(`DELETE FROM cases WHERE id IN ('R0001', 'R0002')`);
  });

  it('imports the good rows of a bad CSV and reports every bad one with its line and reason', async () => {
    const r = await run('cases-bad.csv');
    expect(r.rejected.map((x) => [x.line, x.id, x.codes[0]])).toEqual([
      [3, 'B0002', 'bad-coordinates'],
      [4, 'B0003', 'bad-coordinates'],
      [5, 'B0004', 'outside-jurisdiction'],
      [6, 'B0005', 'bad-date'],
      [7, 'B0006', 'time-order'],
      [8, 'B0007', 'unknown-status'],
      [9, 'B0001', 'duplicate-id'],
    ]);
    expect(r.rejected[1].reason).toMatch(/swapped/);
    expect(r.rejected[4].reason).toMatch(/^closed before opened/);
    expect(r.rejected[6].reason).toMatch(/repeats line 2/);
    expect(r.rejectedByCode).toEqual({ 'bad-coordinates': 2, 'outside-jurisdiction': 1, 'bad-date': 1, 'time-order': 1, 'unknown-status': 1, 'duplicate-id': 1 });
    expect(r).toMatchObject({ written: true, total: 9, inserted: 2 });
    expect(r.departmentsCreated.map((d) => d.name)).toEqual(['Brand New Office']);
    expect(await caseRow('B0001')).toMatchObject({ description: 'good row' }); // the first of the repeated id
  });

  it('writes nothing with strict on a bad file, and nothing when the header lacks a mapped column', async () => {
    await pool.query(`DELETE FROM cases WHERE id LIKE 'B%'`);
    await pool.query(`DELETE FROM departments WHERE name = 'Brand New Office'`);
    const before = await count(`SELECT count(*) AS n FROM cases`);
    const imports = await count(`SELECT count(*) AS n FROM case_imports`);
    const r = await run('cases-bad.csv', { strict: true });
    expect(r).toMatchObject({ written: false, importId: null, inserted: 0, total: 9 });
    expect(r.rejected).toHaveLength(7);
    expect(await count(`SELECT count(*) AS n FROM cases`)).toBe(before);
    expect(await count(`SELECT count(*) AS n FROM departments WHERE name = 'Brand New Office'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM case_imports`)).toBe(imports);

    await expect(run('cases-good.csv', { mapping: { ...MAPPING, address: 'STREET_ADDRESS' } })).rejects.toThrow(MappingError);
    await expect(run('cases-good.csv', { mapping: { ...MAPPING, address: 'STREET_ADDRESS' } })).rejects.toThrow(/no column "STREET_ADDRESS"/);
    expect(await count(`SELECT count(*) AS n FROM cases`)).toBe(before);
  });

  it('reads GBK exports and GCJ-02 coordinates', async () => {
    const csv = 'CASE_ID,OPEN_DT,CLOSED_DT,TARGET_DT,CASE_STATUS,KIND,TYPE,SUBJECT,Source,LONGITUDE,LATITUDE,DESCRIPTION,ADDRESS\n' +
      'G0001,03/04/2025 09:15:00 AM,,,已立案,E,无照经营游商,市政设施管理处,监督员上报,109.4770,24.2680,编码测试,阳和街道\n';
    const bytes = gbk(csv);
    const r = await importCases(pool, ReadableFrom(bytes), settings, { mapping: { ...MAPPING, encoding: 'gbk' }, crs: 'gcj02', strict: false, copy: !embedded, file: 'gbk.csv', now: NOW });
    expect(r.rejected).toEqual([]);
    const g = await caseRow('G0001');
    expect(g).toMatchObject({ description: '编码测试', address: '阳和街道', minor: '0501', status: 'registered', source: 'patrol' });
    const [lon, lat] = gcoord.transform([109.477, 24.268], gcoord.GCJ02, gcoord.WGS84) as number[];
    expect(g.lon).toBeCloseTo(lon, 9);
    expect(g.lat).toBeCloseTo(lat, 9);
    expect(Math.abs(g.lon - 109.477) + Math.abs(g.lat - 24.268)).toBeGreaterThan(0.003); // hundreds of metres
  });
});

describe('imported cases are derived exactly like intake', () => {
  let t: TestDatabase;
  let app: FastifyInstance;
  beforeAll(async () => {
    t = await createTestDatabase();
    await loadMiniCity(t.db.pool);
    app = await caseApp(t);
  });
  afterAll(async () => {
    await app?.close();
    await t?.drop();
  });

  it('gives the same places, road, zones, violation and time limit as POST /api/cases', async () => {
    // the intake tests' points: prohibited zone near the main road, near the secondary road, an alley, the restricted
    // zone in and out of its window, the class-A key area, just outside the county; vendors and a manhole cover
    const points: [number, number, string, string][] = [
      [109.4725, 24.2751, 'event:0501', '2025-03-04T09:15:00+08:00'], [109.4752, 24.26, 'event:0501', '2025-03-04T09:15:00+08:00'],
      [109.455, 24.29, 'event:0102', '2025-03-04T09:15:00+08:00'], [109.46, 24.26, 'event:0501', '2025-03-04T07:30:00+08:00'],
      [109.46, 24.26, 'event:0501', '2025-03-04T19:30:00+08:00'], [109.49, 24.29, 'event:0102', '2025-03-04T09:15:00+08:00'],
      [109.4997, 24.3003, 'component:0101', '2025-03-04T09:15:00+08:00'],
    ];
    const csv = 'ID,AT,LON,LAT,CAT\n' + points.map(([lon, lat, cat, at], i) => `P${i},${at},${lon},${lat},${cat}`).join('\n');
    const settings = await loadImportSettings(t.db.pool, { analysisSrid: SRID });
    const mapping = { id: 'ID', reportedAt: 'AT', lon: 'LON', lat: 'LAT', category: 'CAT', source: { value: 'patrol' } };
    const r = await importCases(t.db.pool, ReadableFrom(csv), settings, { mapping, crs: 'wgs84', strict: true, copy: t.config.databaseUrl !== undefined, file: 'p.csv', now: NOW });
    expect(r.rejected).toEqual([]);
    const api = client(app);
    const cols = `district_code, street_code, community_code, grid_code, work_grid_code, road_id, road_class, zones, zone_violation,
      kind, minor, time_limit_value::float8 AS time_limit_value, time_limit_unit, time_limit_class`;
    for (const [i, [lon, lat, cat, at]] of points.entries()) {
      const [kind, minor] = cat.split(':');
      const res = await api.report({ source: 'patrol', kind, minor, lon, lat, reportedAt: at, description: '对照' }, TOKENS.collector);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      const viaIntake = (await t.db.pool.query(`SELECT ${cols} FROM cases WHERE id = $1`, [res.body.id])).rows[0];
      const viaImport = (await t.db.pool.query(`SELECT ${cols} FROM cases WHERE id = $1`, [`P${i}`])).rows[0];
      expect(viaImport, `point ${i}`).toEqual(viaIntake);
    }
  });
});

// A GBK encoder for the test's few characters (Node has a GBK decoder but no encoder).
function gbk(text: string): Buffer {
  const dec = new TextDecoder('gbk');
  const table = new Map<string, number[]>();
  const wanted = new Set([...text].filter((c) => c.charCodeAt(0) > 127));
  for (let hi = 0x81; hi <= 0xfe && table.size < wanted.size; hi++) {
    for (let lo = 0x40; lo <= 0xfe; lo++) {
      const ch = dec.decode(Uint8Array.of(hi, lo));
      if (wanted.has(ch) && !table.has(ch)) table.set(ch, [hi, lo]);
    }
  }
  return Buffer.from([...text].flatMap((c) => table.get(c) ?? [...Buffer.from(c)]));
}

const ReadableFrom = (data: string | Buffer) => Readable.from([typeof data === 'string' ? Buffer.from(data) : data]);

// ------------------------------------------------------------------------------------------------------ CLI

const exec = promisify(execFile);
async function cli(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await exec(process.execPath, ['--import', 'tsx', 'scripts/import.ts', ...args], { env: { ...process.env, ...env }, timeout: 180_000 });
    return { code: 0, out: stdout + stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('npm run import -- cases', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'citylens-cases-cli-'));
  let t: TestDatabase | undefined;
  let env: Record<string, string>;
  const countCases = async () => {
    const db = t ? t.db : await connect({ dataDir: path.join(tmp, 'data') });
    try {
      return Number((await db.pool.query(`SELECT count(*) AS n FROM cases`)).rows[0].n);
    } finally {
      if (!t) await db.close();
    }
  };

  beforeAll(async () => {
    if (serverUrl) {
      t = await createTestDatabase();
      await loadCity(t.db.pool);
      env = { DATABASE_URL: t.config.databaseUrl! };
    } else {
      const db = await connect({ dataDir: path.join(tmp, 'data') });
      await migrate(db.pool);
      await loadCity(db.pool);
      await db.close();
      env = { DATA_DIR: path.join(tmp, 'data'), DATABASE_URL: '' };
    }
  });
  afterAll(async () => {
    await t?.drop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('exits 2 with the usage line on usage and mapping errors', async () => {
    const m = path.join(FIX, 'cases-mapping.json');
    const good = path.join(FIX, 'cases-good.csv');
    fs.writeFileSync(path.join(tmp, 'wrong-column.json'), JSON.stringify({ ...MAPPING, lat: 'LAT' }));
    const cases: [string[], RegExp][] = [
      [['cases', good], /--mapping is required/],
      [['cases', path.join(tmp, 'missing.csv'), '--mapping', m], /file not found/],
      [['cases', good, '--mapping', m, '--crs', 'bd09'], /unknown CRS "bd09"/],
      [['cases', good, '--mapping', '{"id": '], /neither a JSON file nor inline JSON/],
      [['cases', good, '--mapping', path.join(tmp, 'wrong-column.json')], /the CSV header has no column "LAT"/],
      [['cases', good, '--mapping', JSON.stringify({ ...MAPPING, statusMap: { Open: 'pending' } })], /statusMap.Open: "pending" is not a status/],
    ];
    for (const [args, msg] of cases) {
      const r = await cli(args, env);
      expect(r.out, args.join(' ')).toMatch(msg);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.out).toMatch(/usage: npm run import -- cases <file.csv> --mapping/);
    }
  }, 300_000);

  it('imports a good file (exit 0), a bad one (exit 1, report), and nothing with --strict', async () => {
    const m = path.join(FIX, 'cases-mapping.json');
    const ok = await cli(['cases', path.join(FIX, 'cases-good.csv'), '--mapping', m], env);
    expect(ok.out).toMatch(/8 of 8 rows imported \(8 new, 0 updated, 0 unchanged\)/);
    expect(ok.out).toMatch(/departments created: Public Works Department \(imp-[0-9a-f]+\), Street Cleaning/);
    expect(ok.code).toBe(0);

    const strict = await cli(['cases', path.join(FIX, 'cases-bad.csv'), '--mapping', m, '--strict'], env);
    expect(strict.code).toBe(1);
    expect(strict.out).toMatch(/7 of 9 rows rejected, nothing written \(--strict\)/);
    expect(await countCases()).toBe(8);

    const report = path.join(tmp, 'report.json');
    const bad = await cli(['cases', path.join(FIX, 'cases-bad.csv'), '--mapping', m, '--report', report], env);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/2 of 9 rows imported \(2 new, 0 updated, 0 unchanged\), 7 rejected/);
    expect(bad.out).toMatch(/line 5 \(B0004\): outside the jurisdiction/);
    expect(bad.out).toMatch(/line 7 \(B0006\): closed before opened/);
    const rep = JSON.parse(fs.readFileSync(report, 'utf8'));
    expect(rep.rejected).toHaveLength(7);
    expect(rep.departmentsCreated).toEqual([expect.objectContaining({ name: 'Brand New Office' })]);
    expect(await countCases()).toBe(10);
  }, 300_000);
});
