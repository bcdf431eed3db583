/**
 * Loads a generated demo city (geodata/demo-city, or any `npm run demo:generate -- --out DIR`) into the database
 * in one transaction. Rows go in as large multi-row INSERTs over unnest() arrays — thousands of rows per
 * statement, far below PGlite's message limits — with geometry built in SQL (ST_GeomFromGeoJSON, ST_MakePoint).
 * The cases' repeat groups are then computed for every period they span, so the console shows 重复案件 at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import pg from 'pg';
import { transaction } from '../db/connect.ts';
import { loadTaxonomy } from '../taxonomy/load.ts';
import { loadConfig } from '../config.ts';
import { resolveAnalysisSrid } from '../db/analysis-srid.ts';
import { periodOf } from '../domain/repeats.ts';
import { loadRepeatsConfig } from '../analysis/repeats/config.ts';
import { recomputePeriod, type RepeatsContext } from '../analysis/repeats/store.ts';

export const DEMO_CITY_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../geodata/demo-city');

/** A pool (each loader then runs in its own transaction) or a client inside the caller's transaction. */
export type Queryable = pg.Pool | pg.PoolClient;

/** The tables the demo city fills, children first (the order TRUNCATE and emptiness checks use). */
export const DEMO_TABLES = ['cases', 'components', 'grids', 'work_grids', 'zones', 'roads', 'departments', 'districts'] as const;

export interface LoadResult {
  counts: Record<(typeof DEMO_TABLES)[number], number>;
  /** stored repeat groups after the recompute: periods, cases that take part, repeat cases among them */
  repeats: { periods: string[]; cases: number; groups: number; reachedGroups: number; repeatCases: number };
  ms: number;
}

/**
 * Recomputes the stored repeat groups of every period from the first to the last case (in the caller's
 * transaction). `ctx` defaults to geodata/repeats.json (REPEATS_CONFIG_FILE) and ANALYSIS_SRID or the districts' UTM.
 */
export async function recomputeAllRepeats(q: pg.PoolClient, ctx?: RepeatsContext): Promise<LoadResult['repeats']> {
  ctx ??= { srid: await resolveAnalysisSrid(q, loadConfig().analysisSrid), repeats: loadRepeatsConfig() };
  const out: LoadResult['repeats'] = { periods: [], cases: 0, groups: 0, reachedGroups: 0, repeatCases: 0 };
  const { rows } = await q.query<{ lo: Date | null; hi: Date | null }>('SELECT min(reported_at) AS lo, max(reported_at) AS hi FROM cases');
  const { lo, hi } = rows[0];
  if (!lo || !hi) return out;
  const { period, utcOffsetMinutes } = ctx.repeats;
  for (let p = periodOf(lo.getTime(), period, utcOffsetMinutes); p.start <= hi.getTime(); p = periodOf(p.end, period, utcOffsetMinutes)) {
    const r = await recomputePeriod(q, ctx, new Date(p.start));
    out.periods.push(r.period);
    out.cases += r.cases;
    out.groups += r.groups;
    out.reachedGroups += r.reachedGroups;
    out.repeatCases += r.repeatCases;
  }
  return out;
}

/** True when none of the demo tables holds a row (a fresh database the demo city may be loaded into). */
export async function isDatabaseEmpty(db: Queryable): Promise<boolean> {
  const sql = DEMO_TABLES.map((t) => `NOT EXISTS (SELECT 1 FROM ${t})`).join(' AND ');
  return (await db.query<{ empty: boolean }>(`SELECT ${sql} AS empty`)).rows[0].empty;
}

/** Tables of the demo set that have rows (for messages). */
export async function nonEmptyTables(db: Queryable): Promise<string[]> {
  const sql = DEMO_TABLES.map((t) => `SELECT '${t}' AS t WHERE EXISTS (SELECT 1 FROM ${t})`).join(' UNION ALL ');
  return (await db.query<{ t: string }>(sql)).rows.map((r) => r.t);
}

/** Empties the demo tables (and the case event log and repeat groups that refer to their cases) in one statement. */
export async function truncateDemoTables(db: Queryable): Promise<void> {
  await db.query(`TRUNCATE case_events, repeat_groups, repeat_partitions, ${DEMO_TABLES.join(', ')}`);
}

async function inTransaction<T>(db: Queryable, fn: (c: Queryable) => Promise<T>): Promise<T> {
  return db instanceof pg.Pool ? transaction(db, fn) : fn(db);
}

// ------------------------------------------------------------------------------------------- columns

type SqlType = 'text' | 'int' | 'numeric' | 'boolean' | 'timestamptz' | 'jsonb' | 'float8';
interface Column {
  name: string;
  type: SqlType;
}

const c = (name: string, type: SqlType = 'text'): Column => ({ name, type });

const COMPONENT_COLUMNS: Column[] = [
  c('id'), c('district_code'), c('kind_code'), c('name'), c('status'), c('owner_dept'), c('maintainer_dept'), c('grid_code'), c('updated_at', 'timestamptz'),
];

const CASE_COLUMNS: Column[] = [
  c('id'), c('district_code'), c('source'), c('kind'), c('major'), c('minor'), c('original_category'), c('description'), c('address'),
  c('reporter'), c('component_id'), c('status'), c('department_id'), c('street_code'), c('community_code'), c('grid_code'),
  c('work_grid_code'), c('road_id'), c('road_class'), c('zones', 'jsonb'), c('zone_violation'), c('is_key', 'boolean'),
  c('time_limit_value', 'numeric'), c('time_limit_unit'), c('reported_at', 'timestamptz'), c('accepted_at', 'timestamptz'),
  c('registered_at', 'timestamptz'), c('dispatched_at', 'timestamptz'), c('handled_at', 'timestamptz'), c('verified_at', 'timestamptz'),
  c('closed_at', 'timestamptz'), c('voided_at', 'timestamptz'), c('suspended_at', 'timestamptz'), c('suspended_seconds', 'int'),
  c('deadline', 'timestamptz'), c('extended_count', 'int'), c('rework_count', 'int'), c('redispatch_count', 'int'), c('duplicate_of'),
  c('version', 'int'), c('created_at', 'timestamptz'), c('updated_at', 'timestamptz'),
  // added by later migrations (003_cases): loaded when the table has them
  c('time_limit_class'), c('light'),
];

/** Columns of a table as the connected database has them (later migrations may add some). */
async function tableColumns(db: Queryable, table: string): Promise<Set<string>> {
  const res = await db.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`,
    [table],
  );
  return new Set(res.rows.map((r) => r.column_name));
}

/**
 * One INSERT … SELECT FROM unnest($1::text[], …) per batch: each column travels as one array parameter (text,
 * cast in SQL), and `geom` is an SQL expression over the named unnest columns.
 */
function insertSql(table: string, cols: Column[], extra: { name: string; params: string[]; expr: string }[]): string {
  const arrays: string[] = [];
  const names: string[] = [];
  cols.forEach((_, k) => { arrays.push(`$${k + 1}::text[]`); names.push(`c${k}`); });
  let p = cols.length;
  for (const e of extra) for (const name of e.params) { arrays.push(`$${++p}::text[]`); names.push(name); }
  const select = [
    ...cols.map((col, k) => (col.type === 'text' ? `c${k}` : `c${k}::${col.type}`)),
    ...extra.map((e) => e.expr),
  ];
  return `INSERT INTO ${table} (${[...cols.map((col) => col.name), ...extra.map((e) => e.name)].join(', ')})
    SELECT ${select.join(', ')} FROM unnest(${arrays.join(', ')}) AS t(${names.join(', ')})`;
}

const POINT = { name: 'geom', params: ['lon', 'lat'], expr: 'ST_SetSRID(ST_MakePoint(lon::float8, lat::float8), 4326)' };

/**
 * Streams a gzip CSV with a header, inserting `batch` rows per statement. One statement is in flight while the
 * next batch is parsed, so parsing and the database overlap; memory holds at most two batches. Returns the rows.
 */
async function loadCsvGz(db: Queryable, file: string, table: string, wanted: Column[], batch: number): Promise<number> {
  const have = await tableColumns(db, table);
  const optional = new Set(['time_limit_class', 'light']);
  const missing = wanted.filter((col) => !have.has(col.name) && !optional.has(col.name));
  if (missing.length) throw new Error(`${table} has no column ${missing.map((m) => m.name).join(', ')}: run the migrations first`);
  const parser = fs.createReadStream(file).pipe(zlib.createGunzip()).pipe(parse({ bom: true }));
  let cols: Column[] = [];
  let index: number[] = []; // CSV field index of each inserted column, then lon, lat
  let sql = '';
  let arrays: (string | null)[][] = [];
  let rows = 0;
  let pending = 0;
  let inFlight: Promise<unknown> = Promise.resolve();
  const flush = async () => {
    if (!pending) return;
    await inFlight;
    inFlight = db.query(sql, arrays);
    inFlight.catch(() => undefined); // awaited below; avoid an unhandled rejection in between
    rows += pending;
    pending = 0;
    arrays = index.map(() => []);
  };
  for await (const rec of parser as AsyncIterable<string[]>) {
    if (!sql) {
      // Only columns both the file and the table have (older files lack later ones, older schemas too).
      cols = wanted.filter((col) => rec.includes(col.name) && have.has(col.name));
      for (const need of ['lon', 'lat']) if (!rec.includes(need)) throw new Error(`${file}: no ${need} column`);
      index = [...cols.map((col) => rec.indexOf(col.name)), rec.indexOf('lon'), rec.indexOf('lat')];
      sql = insertSql(table, cols, [POINT]);
      arrays = index.map(() => []);
      continue;
    }
    for (let k = 0; k < index.length; k++) {
      const v = rec[index[k]];
      arrays[k].push(v === '' || v === undefined ? null : v);
    }
    if (++pending >= batch) await flush();
  }
  await flush();
  await inFlight;
  return rows;
}

/** Loads components.csv.gz (as written by the generator) into `components`. */
export async function loadComponents(db: Queryable, file: string, batch = 10_000): Promise<number> {
  return inTransaction(db, (q) => loadCsvGz(q, file, 'components', COMPONENT_COLUMNS, batch));
}

/** Loads cases.csv.gz into `cases`, then moves the daily case-number counters past the loaded ids. */
export async function loadCases(db: Queryable, file: string, batch = 5_000): Promise<number> {
  return inTransaction(db, async (q) => {
    const n = await loadCsvGz(q, file, 'cases', CASE_COLUMNS, batch);
    await syncCaseSerials(q);
    return n;
  });
}

/**
 * Live intake numbers cases per county and day from case_serials (migration 003): after a bulk load the counter
 * of every loaded day must start past the highest loaded serial, or new cases would collide with demo ids.
 */
async function syncCaseSerials(db: Queryable): Promise<void> {
  const exists = (await db.query<{ t: string | null }>(`SELECT to_regclass('case_serials')::text AS t`)).rows[0].t;
  if (!exists) return;
  await db.query(`INSERT INTO case_serials (district_code, day, last)
    SELECT district_code, to_date(substr(id, 7, 8), 'YYYYMMDD'), max(right(id, 5)::int)
    FROM cases WHERE id ~ '^\\d{19}$' GROUP BY 1, 2
    ON CONFLICT (district_code, day) DO UPDATE SET last = GREATEST(case_serials.last, EXCLUDED.last)`);
}

// ------------------------------------------------------------------------------------------- layers

interface GeoFeature {
  properties: Record<string, unknown>;
  geometry: unknown;
}

function readFeatures(file: string): GeoFeature[] {
  const fc = JSON.parse(fs.readFileSync(file, 'utf8')) as { type?: string; features?: GeoFeature[] };
  if (fc.type !== 'FeatureCollection' || !Array.isArray(fc.features)) throw new Error(`${file}: not a GeoJSON FeatureCollection`);
  return fc.features;
}

/** Inserts GeoJSON features: properties by column name, geometry forced to Multi* as the columns are. */
async function insertFeatures(db: Queryable, table: string, cols: Column[], features: GeoFeature[], batch = 5_000): Promise<number> {
  const sql = insertSql(table, cols, [{ name: 'geom', params: ['g'], expr: 'ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326))' }]);
  for (let k = 0; k < features.length; k += batch) {
    const part = features.slice(k, k + batch);
    const arrays = cols.map((col) => part.map((f) => {
      const v = f.properties[col.name];
      return v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }));
    arrays.push(part.map((f) => JSON.stringify(f.geometry)));
    await db.query(sql, arrays);
  }
  return features.length;
}

/** `zones.governed_minors` is text[]: sent as a JSON array and unpacked in SQL. */
const ZONE_SQL = `INSERT INTO zones (id, name, level, district_code, windows, governed_minors, time_limit_class, geom)
  SELECT id, name, level, district_code, windows::jsonb,
         ARRAY(SELECT jsonb_array_elements_text(minors::jsonb)), time_limit_class,
         ST_Multi(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326))
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
    AS t(id, name, level, district_code, windows, minors, time_limit_class, g)`;

function readDepartments(file: string): Record<string, string | null>[] {
  const [header, ...lines] = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const cols = header.split(',');
  return lines.map((line) => {
    const vals = line.split(','); // generated file: no quoted fields
    return Object.fromEntries(cols.map((col, k) => [col, vals[k] === '' || vals[k] === undefined ? null : vals[k]]));
  });
}

// ------------------------------------------------------------------------------------------- all of it

/**
 * Loads the whole demo city from `dir` in one transaction: districts (county → street → community), work grids,
 * grids, roads, zones, departments, components, cases; then checks the row counts against manifest.json.
 * The taxonomy is (up)loaded first, outside that transaction (loadTaxonomy keeps its own).
 */
export async function loadDemoCity(pool: pg.Pool, dir: string = DEMO_CITY_DIR, opts: { repeats?: RepeatsContext } = {}): Promise<LoadResult> {
  const t0 = Date.now();
  const file = (name: string) => {
    const f = path.join(dir, name);
    if (!fs.existsSync(f)) throw new Error(`demo city: ${f} is missing (generate it with npm run demo:generate)`);
    return f;
  };
  const manifest = JSON.parse(fs.readFileSync(file('manifest.json'), 'utf8')) as { counts: Record<string, number> };
  await loadTaxonomy(pool);
  const { counts, repeats } = await transaction(pool, async (q) => {
    const districts = readFeatures(file('districts.geojson'));
    const distCols = [c('code'), c('name'), c('level'), c('parent_code')];
    let nDistricts = 0;
    for (const level of ['county', 'street', 'community']) {
      nDistricts += await insertFeatures(q, 'districts', distCols, districts.filter((f) => f.properties.level === level));
    }
    const nWork = await insertFeatures(q, 'work_grids', [c('code'), c('name'), c('district_code'), c('community_code'), c('collector')], readFeatures(file('work-grids.geojson')));
    const nGrids = await insertFeatures(q, 'grids', [c('code'), c('district_code'), c('street_code'), c('community_code'), c('work_grid_code')], readFeatures(file('grids.geojson')));
    const nRoads = await insertFeatures(q, 'roads', [c('id'), c('name'), c('class'), c('source'), c('district_code')], readFeatures(file('roads.geojson')));
    const zones = readFeatures(file('zones.geojson'));
    const zp = (k: string) => zones.map((f) => { const v = f.properties[k]; return v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v); });
    await q.query(ZONE_SQL, [zp('id'), zp('name'), zp('level'), zp('district_code'), zp('windows'), zp('governed_minors'), zp('time_limit_class'), zones.map((f) => JSON.stringify(f.geometry))]);
    // Departments: parents before children, so the self-reference holds row by row as well.
    const depts = readDepartments(file('departments.csv'));
    const ordered = [...depts.filter((d) => !d.parent_id), ...depts.filter((d) => d.parent_id)];
    const dcol = (k: string) => ordered.map((d) => d[k]);
    await q.query(`INSERT INTO departments (id, name, parent_id, assessment_group, kind)
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`, [dcol('id'), dcol('name'), dcol('parent_id'), dcol('assessment_group'), dcol('kind')]);
    const nComponents = await loadComponents(q, file('components.csv.gz'));
    const nCases = await loadCases(q, file('cases.csv.gz'));
    const loaded = {
      districts: nDistricts, work_grids: nWork, grids: nGrids, roads: nRoads, zones: zones.length, departments: depts.length,
      components: nComponents, cases: nCases,
    };
    for (const [k, v] of Object.entries(loaded)) {
      if (manifest.counts[k] !== undefined && manifest.counts[k] !== v) throw new Error(`demo city: loaded ${v} ${k}, manifest.json says ${manifest.counts[k]}`);
    }
    return { counts: loaded, repeats: await recomputeAllRepeats(q, opts.repeats) };
  });
  return { counts, repeats, ms: Date.now() - t0 };
}
