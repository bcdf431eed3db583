import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { parse } from 'csv-parse/sync';
import * as turf from '@turf/turf';
import type { Feature, MultiPolygon } from 'geojson';
import { describe, expect, it } from 'vitest';
import { generateCity } from '../../scripts/demo-city/generate.ts';
import { readCategories } from '../../scripts/demo-city/categories.ts';
import { computeDeadline, parseCalendar } from '../../api/domain/calendar.ts';

const DIR = path.resolve('geodata/demo-city');
const read = <T = Feature<MultiPolygon>>(f: string): T[] => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8')).features;
const csvGz = (f: string): Record<string, string>[] => parse(zlib.gunzipSync(fs.readFileSync(path.join(DIR, f))), { columns: true });
const manifest = JSON.parse(fs.readFileSync(path.join(DIR, 'manifest.json'), 'utf8'));
const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

describe('demo city generator', () => {
  it('gives byte-identical files for the same seed, and another city for another seed', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-city-'));
    const opts = { seed: 7, cases: 1500, components: 2500, end: '2026-03-31' };
    await generateCity({ ...opts, out: path.join(tmp, 'a') });
    await generateCity({ ...opts, out: path.join(tmp, 'b') });
    await generateCity({ ...opts, seed: 8, out: path.join(tmp, 'c') });
    const files = fs.readdirSync(path.join(tmp, 'a')).sort();
    expect(files).toEqual(['cases.csv.gz', 'components.csv.gz', 'departments.csv', 'districts.geojson', 'grids.geojson', 'manifest.json', 'roads.geojson', 'work-grids.geojson', 'zones.geojson']);
    for (const f of files) expect(sha(path.join(tmp, 'b', f)), f).toBe(sha(path.join(tmp, 'a', f)));
    expect(sha(path.join(tmp, 'c', 'grids.geojson'))).not.toBe(sha(path.join(tmp, 'a', 'grids.geojson')));
    const small = JSON.parse(fs.readFileSync(path.join(tmp, 'a', 'manifest.json'), 'utf8'));
    expect(small.counts.cases).toBe(1500);
    expect(small.counts.components).toBe(2500);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});

describe('committed demo city: codes', () => {
  const districts = read('districts.geojson');
  const grids = read('grids.geojson');
  const workGrids = read('work-grids.geojson');
  const county = districts.find((d) => d.properties!.level === 'county')!;
  const streets = districts.filter((d) => d.properties!.level === 'street');
  const communities = districts.filter((d) => d.properties!.level === 'community');

  it('has the size the brief asks for', () => {
    expect(streets.length).toBeGreaterThanOrEqual(4);
    expect(communities.length).toBeGreaterThanOrEqual(24);
    expect(grids.length).toBeGreaterThanOrEqual(350);
    expect(manifest.counts.components).toBeGreaterThanOrEqual(30_000);
    expect(manifest.counts.cases).toBeGreaterThanOrEqual(50_000);
    expect(manifest.counts).toMatchObject({ streets: streets.length, communities: communities.length, grids: grids.length, work_grids: workGrids.length });
  });

  it('numbers districts county(6) → street(+3) → community(+3) → grid(+2 or +3)', () => {
    expect(county.properties!.code).toMatch(/^\d{6}$/);
    for (const s of streets) expect(s.properties).toMatchObject({ code: expect.stringMatching(new RegExp(`^${county.properties!.code}\\d{3}$`)), parent_code: county.properties!.code });
    for (const c of communities) {
      expect(c.properties!.code).toMatch(/^\d{12}$/);
      expect(c.properties!.parent_code).toBe(c.properties!.code.slice(0, 9));
    }
    const lengths = new Set<number>();
    for (const g of grids) {
      const p = g.properties!;
      expect(p.code).toMatch(/^\d{14,15}$/);
      expect(p.code.slice(0, 12)).toBe(p.community_code);
      expect(p.code.slice(0, 9)).toBe(p.street_code);
      expect(p.district_code).toBe(county.properties!.code);
      lengths.add(p.code.length);
    }
    expect([...lengths].sort()).toEqual([14, 15]); // 2- and 3-digit serials both occur
    expect(new Set(grids.map((g) => g.properties!.code)).size).toBe(grids.length);
  });

  it('groups 4–8 contiguous grids of one community into each work grid (mostly)', () => {
    const byCode = new Map(workGrids.map((w) => [w.properties!.code, w]));
    const size = new Map<string, number>();
    for (const g of grids) {
      const w = byCode.get(g.properties!.work_grid_code);
      expect(w, g.properties!.code).toBeDefined();
      expect(w!.properties!.community_code).toBe(g.properties!.community_code);
      size.set(g.properties!.work_grid_code, (size.get(g.properties!.work_grid_code) ?? 0) + 1);
    }
    const sizes = [...size.values()];
    expect(sizes.filter((n) => n >= 4 && n <= 8).length / sizes.length).toBeGreaterThan(0.85);
    for (const w of workGrids) {
      expect(w.properties!.code.startsWith(w.properties!.community_code)).toBe(true);
      expect(w.properties!.collector).toMatch(/^\p{Script=Han}{2,3}$/u);
      expect(w.geometry.coordinates.length, `${w.properties!.code} is one piece`).toBe(1);
    }
  });

  it('gives components 16-digit ids: county + minor + serial, of minors in the taxonomy', () => {
    const cats = readCategories('geodata/taxonomy/cjt214-2007.csv');
    const minors = new Set(cats.minors.filter((m) => m.kind === 'component').map((m) => m.code));
    const rows = csvGz('components.csv.gz');
    expect(rows.length).toBe(manifest.counts.components);
    const ids = new Set<string>();
    for (const r of rows) {
      expect(r.id).toMatch(/^\d{16}$/);
      expect(r.id.slice(0, 10)).toBe(r.district_code + r.kind_code);
      expect(minors.has(r.kind_code)).toBe(true);
      ids.add(r.id);
    }
    expect(ids.size).toBe(rows.length);
    const statuses = new Set(rows.map((r) => r.status));
    expect([...statuses].sort()).toEqual(['abandoned', 'damaged', 'intact', 'lost', 'removed']);
    expect(rows.filter((r) => r.status === 'intact').length / rows.length).toBeGreaterThan(0.9);
  });
});

describe('committed demo city: tiling', () => {
  const districts = read('districts.geojson');
  const grids = read('grids.geojson');
  const area = (f: Feature<MultiPolygon>) => turf.area(f);

  it('has valid polygons without self-intersections', () => {
    for (const f of [...districts, ...grids, ...read('work-grids.geojson'), ...read('zones.geojson')]) {
      expect(turf.booleanValid(f), JSON.stringify(f.properties)).toBe(true);
      expect(turf.kinks(f).features.length, JSON.stringify(f.properties)).toBe(0);
    }
  });

  it('tiles: the parts of every area add up to it (grids → community → street → county)', () => {
    const parts = new Map<string, number>();
    const add = (code: string, a: number) => parts.set(code, (parts.get(code) ?? 0) + a);
    for (const g of grids) add(g.properties!.community_code, area(g));
    for (const d of districts) if (d.properties!.parent_code) add(d.properties!.parent_code, area(d));
    for (const d of districts) {
      const whole = area(d);
      expect(Math.abs((parts.get(d.properties!.code) ?? 0) - whole), d.properties!.code).toBeLessThan(0.5); // m²
    }
  });

  it('has no overlapping grids (pairwise intersections ~0)', () => {
    const boxes = grids.map((g) => turf.bbox(g));
    let touching = 0;
    for (let a = 0; a < grids.length; a++) {
      for (let b = a + 1; b < grids.length; b++) {
        const [w1, s1, e1, n1] = boxes[a], [w2, s2, e2, n2] = boxes[b];
        if (w1 > e2 || w2 > e1 || s1 > n2 || s2 > n1) continue;
        const x = turf.intersect(turf.featureCollection([grids[a], grids[b]]));
        const overlap = x ? turf.area(x) : 0;
        expect(overlap, `${grids[a].properties!.code} × ${grids[b].properties!.code}`).toBeLessThan(0.01);
        touching++;
      }
    }
    expect(touching).toBeGreaterThan(grids.length); // the check did compare neighbours
  });
});

describe('committed demo city: cases', () => {
  const rows = csvGz('cases.csv.gz');
  const cats = readCategories('geodata/taxonomy/cjt214-2007.csv');
  const cal = parseCalendar(JSON.parse(fs.readFileSync('geodata/calendar/default.json', 'utf8')));
  const share = (f: (r: Record<string, string>) => boolean, of = rows) => of.filter(f).length / of.length;

  it('numbers cases county + yyyymmdd (local day of the report) + 5-digit daily serial', () => {
    expect(rows.length).toBe(manifest.counts.cases);
    const ids = new Set<string>();
    for (const r of rows) {
      expect(r.id).toMatch(/^\d{19}$/);
      expect(r.id.slice(0, 6)).toBe(r.district_code);
      expect(r.id.slice(6, 14)).toBe(r.reported_at.slice(0, 10).replaceAll('-', '')); // written in +08:00
      expect(r.reported_at.endsWith('+08:00')).toBe(true);
      ids.add(r.id);
    }
    expect(ids.size).toBe(rows.length);
  });

  it('uses taxonomy codes, and puts component cases on their component', () => {
    const known = new Set(cats.minors.map((m) => `${m.kind}:${m.code}`));
    const comps = new Map(csvGz('components.csv.gz').map((c) => [c.id, c]));
    for (const r of rows) {
      expect(known.has(`${r.kind}:${r.minor}`), `${r.kind}:${r.minor}`).toBe(true);
      expect(r.major).toBe(r.minor.slice(0, 2));
      if (r.kind === 'component') {
        const c = comps.get(r.component_id)!;
        expect(c, r.component_id).toBeDefined();
        expect([c.kind_code, c.lon, c.lat]).toEqual([r.minor, r.lon, r.lat]);
      } else expect(r.component_id).toBe('');
    }
  });

  it('keeps workflow timestamps in order and consistent with the status', () => {
    const order = ['reported_at', 'accepted_at', 'registered_at', 'dispatched_at', 'handled_at', 'verified_at', 'closed_at'];
    for (const r of rows) {
      const ts = order.map((k) => r[k]).filter(Boolean).map((t) => Date.parse(t));
      for (let k = 1; k < ts.length; k++) expect(ts[k], r.id).toBeGreaterThanOrEqual(ts[k - 1]);
      if (r.status === 'closed') expect(r.closed_at && r.verified_at && r.handled_at && r.deadline).toBeTruthy();
      if (r.status === 'voided') expect(r.voided_at).toBeTruthy();
      if (r.duplicate_of) expect(r.status).toBe('voided');
      if (r.status === 'suspended') expect(r.suspended_at).toBeTruthy();
    }
  });

  it('computes deadlines on the work calendar from the (zone-adjusted) limit', () => {
    const plain = rows.filter((r) => r.registered_at && r.extended_count === '0' && r.suspended_seconds === '0');
    for (const r of plain.filter((_, k) => k % 20 === 0)) {
      const d = computeDeadline(new Date(r.registered_at), { value: Number(r.time_limit_value), unit: r.time_limit_unit as 'work_hours' }, cal);
      expect(d.getTime(), r.id).toBe(Date.parse(r.deadline));
    }
    // a case's limit is its minor's, shortened only where a zone class applies
    const limit = new Map(cats.minors.map((m) => [`${m.kind}:${m.code}`, m.limit]));
    for (const r of rows.filter((x) => !x.time_limit_class)) expect(Number(r.time_limit_value)).toBe(limit.get(`${r.kind}:${r.minor}`)!.value);
  });

  it('follows the mix of the seed bulletins', () => {
    expect(share((r) => r.source === 'patrol')).toBeGreaterThan(0.85);
    expect(share((r) => r.kind === 'component')).toBeGreaterThan(0.08);
    const closed = rows.filter((r) => r.closed_at);
    const overdue = share((r) => Date.parse(r.closed_at) > Date.parse(r.deadline), closed);
    expect(overdue).toBeGreaterThan(0.03);
    expect(overdue).toBeLessThan(0.08);
    expect(share((r) => r.rework_count !== '0')).toBeGreaterThan(0.02);
    expect(share((r) => r.rework_count !== '0')).toBeLessThan(0.05);
    expect(share((r) => r.extended_count !== '0')).toBeGreaterThan(0.01);
    expect(share((r) => r.extended_count !== '0')).toBeLessThan(0.03);
    expect(share((r) => r.redispatch_count !== '0')).toBeGreaterThan(0.005);
    expect(share((r) => !!r.duplicate_of)).toBeGreaterThan(0.005);
    const top = new Map<string, number>();
    for (const r of rows) top.set(r.minor + r.kind, (top.get(r.minor + r.kind) ?? 0) + 1);
    const top5 = [...top.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([k]) => k);
    expect(top5).toContain('0102event'); // 暴露垃圾
    expect(top5).toContain('0201event'); // 非法小广告
    // ~5k a month
    const months = new Map<string, number>();
    for (const r of rows) months.set(r.reported_at.slice(0, 7), (months.get(r.reported_at.slice(0, 7)) ?? 0) + 1);
    const full = [...months.entries()].slice(1, -1).map(([, n]) => n);
    for (const n of full) expect(n).toBeGreaterThan(3000), expect(n).toBeLessThan(7000); // Spring Festival dips
    // the last day is still being worked on
    const open = rows.filter((r) => !['closed', 'voided'].includes(r.status));
    expect(new Set(open.map((r) => r.status)).size).toBeGreaterThanOrEqual(4);
  });

  it('records grids, zones and violations consistent with the geometry', () => {
    const grids = new Map(read('grids.geojson').map((g) => [g.properties!.code, g]));
    const zones = new Map(read('zones.geojson').map((z) => [z.properties!.id, z]));
    for (const r of rows.filter((_, k) => k % 15 === 0)) {
      const pt = turf.point([Number(r.lon), Number(r.lat)]);
      const g = grids.get(r.grid_code)!;
      expect(turf.booleanPointInPolygon(pt, g), r.id).toBe(true);
      expect(r.community_code).toBe(g.properties!.community_code);
      expect(r.work_grid_code).toBe(g.properties!.work_grid_code);
      const inZones = [...zones.values()].filter((z) => turf.booleanPointInPolygon(pt, z)).map((z) => z.properties!.id).sort();
      const listed = (JSON.parse(r.zones) as { id: string; level: string }[]).map((z) => z.id);
      expect(listed, r.id).toEqual(inZones);
      if (r.zone_violation) expect((JSON.parse(r.zones) as { level: string }[]).some((z) => z.level === r.zone_violation)).toBe(true);
      expect(r.is_key === 'true').toBe((JSON.parse(r.zones) as { level: string }[]).some((z) => z.level === 'key'));
    }
  });
});
