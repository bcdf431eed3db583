/**
 * Demo city generator: a county-level district in 柳州 (around the 阳和工业新区 of seed 000) with streets,
 * communities, unit and work grids, roads, zones, departments, components and a year of cases.
 * Deterministic: the same options give byte-identical files.
 *
 *   npm run demo:generate -- [--seed N] [--cases N] [--components N] [--end YYYY-MM-DD] [--out DIR]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Feature, Geometry } from 'geojson';
import { parseCalendar } from '../../api/domain/calendar.ts';
import { Rng } from './prng.ts';
import { buildMesh } from './mesh.ts';
import { buildAdmin } from './districts.ts';
import { buildRoads, roadGeometry } from './roads.ts';
import { buildPlaces } from './places.ts';
import { buildZones } from './zones.ts';
import { buildDepartments } from './departments.ts';
import { readCategories } from './categories.ts';
import { Locator } from './locate.ts';
import { generateComponents } from './components.ts';
import { generateCases, type CaseStats } from './cases.ts';
import { csvWriteSync } from './csv.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface GenerateOptions {
  seed: number;
  cases: number;
  /** undefined: as many as the per-km densities give on this road network (~75 000) */
  components?: number;
  end: string;
  out: string;
  months?: number;
  taxonomyFile?: string;
  calendarFile?: string;
}

export const DEFAULTS: GenerateOptions = { seed: 1, cases: 60_000, end: '2026-11-20', out: path.join(ROOT, 'geodata/demo-city') };

export const CITY = {
  countyCode: '450203', // 柳州市鱼峰区, where the 阳和工业新区 lies
  countyName: '阳和新区（演示）',
  center: [109.47, 24.27] as [number, number],
  mesh: { nx: 66, ny: 51, cell: 150, rotationDeg: 9 },
  streets: 5,
  communities: 30,
  gridCells: 4.3,
  threeDigitStreets: [3, 4], // these streets number their grids 001…, the others 01…
};

export interface Manifest {
  generator: string;
  seed: number;
  end: string;
  start: string;
  as_of: string;
  county: { code: string; name: string };
  center: [number, number];
  bbox: [number, number, number, number];
  counts: {
    districts: number; county: number; streets: number; communities: number; work_grids: number; grids: number;
    roads: number; zones: number; departments: number; components: number; cases: number;
  };
  case_stats: CaseStats;
}

/** One feature per line: readable diffs, and still one JSON document. */
function writeGeoJson(file: string, features: Feature[]): void {
  const lines = features.map((f) => JSON.stringify(f));
  fs.writeFileSync(file, `{"type":"FeatureCollection","features":[\n${lines.join(',\n')}\n]}\n`);
}

const feature = (properties: Record<string, unknown>, geometry: Geometry): Feature => ({ type: 'Feature', properties, geometry });

export async function generateCity(opts: GenerateOptions, log: (msg: string) => void = () => undefined): Promise<Manifest> {
  const t0 = Date.now();
  const months = opts.months ?? 12;
  fs.mkdirSync(opts.out, { recursive: true });
  const cats = readCategories(opts.taxonomyFile ?? path.join(ROOT, 'geodata/taxonomy/cjt214-2007.csv'));
  const cal = parseCalendar(JSON.parse(fs.readFileSync(opts.calendarFile ?? path.join(ROOT, 'geodata/calendar/default.json'), 'utf8')));
  const rng = new Rng(`citylens-demo-${opts.seed}`);
  const code = CITY.countyCode;

  const mesh = buildMesh({ center: CITY.center, ...CITY.mesh }, rng.fork('mesh'));
  const admin = buildAdmin(mesh, { countyCode: code, countyName: CITY.countyName, streets: CITY.streets, communities: CITY.communities, gridCells: CITY.gridCells, threeDigitStreets: CITY.threeDigitStreets }, rng.fork('admin'));
  const net = buildRoads(mesh, admin, code, rng.fork('roads'));
  const places = buildPlaces(mesh, admin, net, months, rng.fork('places'));
  const zones = buildZones(mesh, net, places, cats, code);
  const depts = buildDepartments(admin.streets.map((s) => s.name));
  const locator = new Locator(mesh);
  log(`layout: ${admin.grids.length} grids, ${net.roads.length} roads, ${zones.length} zones (${Date.now() - t0} ms)`);

  const mp = (g: { geom: unknown }) => ({ type: 'MultiPolygon', coordinates: g.geom }) as Geometry;
  writeGeoJson(path.join(opts.out, 'districts.geojson'), [admin.county, ...admin.streets, ...admin.communities].map((a) => feature({ code: a.code, name: a.name, level: a.level, parent_code: a.parent_code }, mp(a))));
  writeGeoJson(path.join(opts.out, 'work-grids.geojson'), admin.workGrids.map((w) => feature({ code: w.code, name: w.name, district_code: code, community_code: w.community_code, collector: w.collector }, mp(w))));
  writeGeoJson(path.join(opts.out, 'grids.geojson'), admin.grids.map((g) => feature({ code: g.code, district_code: code, street_code: g.street_code, community_code: g.community_code, work_grid_code: g.work_grid_code }, mp(g))));
  writeGeoJson(path.join(opts.out, 'roads.geojson'), net.roads.map((r) => feature({ id: r.id, name: r.name, class: r.class, source: 'demo', district_code: code }, { type: 'MultiLineString', coordinates: roadGeometry(mesh, r) })));
  writeGeoJson(path.join(opts.out, 'zones.geojson'), zones.map((z) => feature({ id: z.id, name: z.name, level: z.level, district_code: code, windows: z.windows, governed_minors: z.governed_minors, time_limit_class: z.time_limit_class }, mp(z))));
  csvWriteSync(path.join(opts.out, 'departments.csv'), ['id', 'name', 'parent_id', 'assessment_group', 'kind'], depts.list.map((d) => [d.id, d.name, d.parent_id, d.assessment_group, d.kind]));

  const comps = await generateComponents(mesh, admin, net, cats, depts, locator, { count: opts.components, countyCode: code, surveyedBefore: opts.end, file: path.join(opts.out, 'components.csv.gz') }, rng.fork('components'));
  log(`components: ${comps.count} (${Date.now() - t0} ms)`);
  const stats = await generateCases({ m: mesh, admin, net, places, zones, cats, depts, comps, locator, cal }, { count: opts.cases, end: opts.end, months, countyCode: code, file: path.join(opts.out, 'cases.csv.gz') }, rng.fork('cases'));
  log(`cases: ${stats.total} (${Date.now() - t0} ms)`);

  const bb = admin.county.geom[0][0].reduce((b, p) => [Math.min(b[0], p[0]), Math.min(b[1], p[1]), Math.max(b[2], p[0]), Math.max(b[3], p[1])], [Infinity, Infinity, -Infinity, -Infinity]) as [number, number, number, number];
  const manifest: Manifest = {
    generator: 'scripts/demo-city/generate.ts',
    seed: opts.seed,
    end: opts.end,
    start: stats.start,
    as_of: stats.asOf,
    county: { code, name: CITY.countyName },
    center: CITY.center,
    bbox: bb,
    counts: {
      districts: 1 + admin.streets.length + admin.communities.length,
      county: 1,
      streets: admin.streets.length,
      communities: admin.communities.length,
      work_grids: admin.workGrids.length,
      grids: admin.grids.length,
      roads: net.roads.length,
      zones: zones.length,
      departments: depts.list.length,
      components: comps.count,
      cases: stats.total,
    },
    case_stats: stats,
  };
  fs.writeFileSync(path.join(opts.out, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function parseArgs(argv: string[]): GenerateOptions {
  const o = { ...DEFAULTS };
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k], v = argv[k + 1];
    const num = (name: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${name} needs a non-negative integer, got ${v}`);
      k++;
      return n;
    };
    switch (a) {
      case '--seed': o.seed = num(a); break;
      case '--cases': o.cases = num(a); break;
      case '--components': o.components = num(a); break;
      case '--end':
        if (!/^\d{4}-\d{2}-\d{2}$/.test(v ?? '') || Number.isNaN(Date.parse(v))) throw new Error(`--end needs YYYY-MM-DD, got ${v}`);
        o.end = v; k++; break;
      case '--out': if (!v) throw new Error('--out needs a directory'); o.out = path.resolve(v); k++; break;
      default: throw new Error(`unknown option ${a} (use --seed, --cases, --components, --end, --out)`);
    }
  }
  return o;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const t0 = Date.now();
    const man = await generateCity(opts, (msg) => console.log(msg));
    const c = man.counts;
    console.log(`demo city → ${opts.out}: ${c.streets} streets, ${c.communities} communities, ${c.grids} grids, ${c.work_grids} work grids, ${c.roads} roads, ${c.zones} zones, ${c.departments} departments, ${c.components} components, ${c.cases} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`demo:generate: ${(err as Error).message}`);
    process.exit(1);
  }
}
